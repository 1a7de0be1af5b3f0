#include "app/lesson/lesson.hpp"

#include <md4c.h>

#include <algorithm>
#include <fstream>
#include <optional>
#include <sstream>

#include "core/error.hpp"

namespace hashscope::lesson {

namespace {

constexpr std::size_t kMaxLessonBytes = 1 << 20;

std::string trim(std::string_view s) {
    const auto first = s.find_first_not_of(" \t\r");
    if (first == std::string_view::npos) return {};
    const auto last = s.find_last_not_of(" \t\r");
    return std::string(s.substr(first, last - first + 1));
}

// Builds the lesson from md4c's callbacks: blocks open and close, text arrives in runs between.
class Builder {
public:
    explicit Builder(std::string_view doc) : doc_(doc) {
        line_starts_.push_back(0);
        for (std::size_t i = 0; i < doc.size(); ++i)
            if (doc[i] == '\n') line_starts_.push_back(i + 1);
    }

    Lesson finish() {
        flush();
        if (lesson_.steps.empty()) {
            Step only;
            only.title = lesson_.title;
            only.line = 1;
            only.blocks = std::move(lesson_.intro);
            only.actions = std::move(intro_actions_);
            only.problems = std::move(intro_problems_);
            lesson_.intro.clear();
            lesson_.steps.push_back(std::move(only));
        }
        return std::move(lesson_);
    }

    void enter(MD_BLOCKTYPE type, void* detail) {
        switch (type) {
        case MD_BLOCK_H: {
            flush();
            heading_ = int(static_cast<MD_BLOCK_H_DETAIL*>(detail)->level);
            if (heading_ == 2) start_step();
            else if (heading_ > 2) begin(BlockKind::heading).level = heading_;
            break;
        }
        case MD_BLOCK_P:
            if (!(block_ && block_->kind == BlockKind::list_item && block_->spans.empty())) {
                flush();
                begin(BlockKind::paragraph);
            }
            break;
        case MD_BLOCK_UL: lists_.push_back({false, 0}); break;
        case MD_BLOCK_OL: lists_.push_back({true, int(static_cast<MD_BLOCK_OL_DETAIL*>(detail)->start)}); break;
        case MD_BLOCK_LI: {
            flush();
            Block& item = begin(BlockKind::list_item);
            item.level = int(lists_.size());
            if (!lists_.empty() && lists_.back().ordered) item.marker = std::to_string(lists_.back().next++) + ".";
            else item.marker = "\u2022";
            break;
        }
        case MD_BLOCK_QUOTE: flush(); ++quote_; break;
        case MD_BLOCK_HR: flush(); begin(BlockKind::rule); flush(); break;
        case MD_BLOCK_CODE: {
            flush();
            const auto* code = static_cast<MD_BLOCK_CODE_DETAIL*>(detail);
            in_code_ = true;
            action_ = std::string_view(code->lang.text ? code->lang.text : "", code->lang.size) == "hashscope";
            code_.clear();
            code_first_line_ = 0;
            break;
        }
        case MD_BLOCK_TR: flush(); begin(BlockKind::paragraph); break;
        case MD_BLOCK_TH:
        case MD_BLOCK_TD:
            if (block_ && !block_->spans.empty()) add_text(" | ");
            break;
        default: break;
        }
    }

    void leave(MD_BLOCKTYPE type) {
        switch (type) {
        case MD_BLOCK_H: flush(); heading_ = 0; break;
        case MD_BLOCK_P:
        case MD_BLOCK_LI:
        case MD_BLOCK_TR: flush(); break;
        case MD_BLOCK_UL:
        case MD_BLOCK_OL:
            flush();
            if (!lists_.empty()) lists_.pop_back();
            break;
        case MD_BLOCK_QUOTE: flush(); quote_ = std::max(0, quote_ - 1); break;
        case MD_BLOCK_CODE: finish_code(); break;
        default: break;
        }
    }

    void enter_span(MD_SPANTYPE type, void* detail) {
        if (type == MD_SPAN_STRONG) ++strong_;
        else if (type == MD_SPAN_EM) ++emphasis_;
        else if (type == MD_SPAN_IMG) {
            // An image stands on its own: the paragraph around it splits.
            const auto* img = static_cast<MD_SPAN_IMG_DETAIL*>(detail);
            const BlockKind around = block_ ? block_->kind : BlockKind::paragraph;
            flush();
            Block& image = begin(BlockKind::image);
            image.text.assign(img->src.text ? img->src.text : "", img->src.size);
            ++image_;
            resume_ = around;
        }
    }

    void leave_span(MD_SPANTYPE type) {
        if (type == MD_SPAN_STRONG) strong_ = std::max(0, strong_ - 1);
        else if (type == MD_SPAN_EM) emphasis_ = std::max(0, emphasis_ - 1);
        else if (type == MD_SPAN_IMG && image_ > 0) {
            --image_;
            flush();
            begin(resume_ == BlockKind::list_item ? BlockKind::paragraph : resume_);
        }
    }

    void text(MD_TEXTTYPE type, const MD_CHAR* text, MD_SIZE size) {
        const std::string_view run(text, size);
        if (in_code_) {
            if (code_first_line_ == 0 && inside(text)) {
                const auto before = std::count(code_.begin(), code_.end(), '\n');
                code_first_line_ = line_of(text) - int(before);
            }
            code_ += run;
            return;
        }
        if (heading_ == 2 && !lesson_.steps.empty() && lesson_.steps.back().line == 0 && inside(text))
            lesson_.steps.back().line = line_of(text);
        std::string piece;
        switch (type) {
        case MD_TEXT_SOFTBR:
        case MD_TEXT_BR: piece = " "; break;
        case MD_TEXT_NULLCHAR: piece = "\uFFFD"; break;
        case MD_TEXT_ENTITY: piece = entity(run); break;
        default: piece = run; break;
        }
        if (heading_ == 1) lesson_.title += piece;
        else if (heading_ == 2 && !lesson_.steps.empty()) lesson_.steps.back().title += piece;
        else if (image_ > 0 && block_) block_->alt += piece;
        else add_text(piece, type == MD_TEXT_CODE);
    }

private:
    struct List {
        bool ordered;
        int next;
    };

    bool inside(const char* p) const { return p >= doc_.data() && p < doc_.data() + doc_.size(); }
    int line_of(const char* p) const {
        const std::size_t offset = std::size_t(p - doc_.data());
        return int(std::upper_bound(line_starts_.begin(), line_starts_.end(), offset) - line_starts_.begin());
    }

    static std::string entity(std::string_view e) {
        if (e == "&amp;") return "&";
        if (e == "&lt;") return "<";
        if (e == "&gt;") return ">";
        if (e == "&quot;") return "\"";
        if (e == "&nbsp;") return "\u00A0";
        return std::string(e);
    }

    std::vector<Block>& blocks() { return lesson_.steps.empty() ? lesson_.intro : lesson_.steps.back().blocks; }
    std::vector<Action>& actions() { return lesson_.steps.empty() ? intro_actions_ : lesson_.steps.back().actions; }
    std::vector<Problem>& problems() { return lesson_.steps.empty() ? intro_problems_ : lesson_.steps.back().problems; }

    void start_step() {
        Step step;
        // Actions written before the first step set the lesson up: they belong to step 1.
        if (lesson_.steps.empty()) {
            step.actions = std::move(intro_actions_);
            step.problems = std::move(intro_problems_);
        }
        lesson_.steps.push_back(std::move(step));
    }

    Block& begin(BlockKind kind) {
        block_.emplace();
        block_->kind = kind;
        block_->quote = quote_ > 0;
        return *block_;
    }

    void add_text(const std::string& piece, bool code = false) {
        if (!block_) begin(BlockKind::paragraph);
        auto& spans = block_->spans;
        const bool strong = strong_ > 0, emphasis = emphasis_ > 0;
        if (!spans.empty() && spans.back().strong == strong && spans.back().emphasis == emphasis && spans.back().code == code)
            spans.back().text += piece;
        else
            spans.push_back({piece, strong, emphasis, code});
    }

    // Ends the block under construction; empty text blocks are dropped.
    void flush() {
        if (!block_) return;
        const bool textual = block_->kind == BlockKind::paragraph || block_->kind == BlockKind::heading ||
                             block_->kind == BlockKind::list_item;
        if (!textual || !block_->spans.empty()) blocks().push_back(std::move(*block_));
        block_.reset();
    }

    void finish_code() {
        in_code_ = false;
        if (!action_) {
            if (!code_.empty() && code_.back() == '\n') code_.pop_back();
            begin(BlockKind::code).text = code_;
            flush();
            return;
        }
        std::istringstream lines(code_);
        std::string line;
        for (int number = code_first_line_; std::getline(lines, line); ++number) {
            const std::string content = trim(line);
            if (content.empty() || content.front() == '#') continue;
            const auto eq = content.find('=');
            if (eq == std::string::npos) {
                problems().push_back({number, "'" + content + "' is not key = value"});
                continue;
            }
            Action action{number, trim(std::string_view(content).substr(0, eq)), trim(std::string_view(content).substr(eq + 1))};
            if (action.key.empty()) problems().push_back({number, "'" + content + "' has no key before '='"});
            else actions().push_back(std::move(action));
        }
    }

    std::string_view doc_;
    std::vector<std::size_t> line_starts_;
    Lesson lesson_;
    std::vector<Action> intro_actions_;
    std::vector<Problem> intro_problems_;
    std::optional<Block> block_;
    std::vector<List> lists_;
    int heading_ = 0, quote_ = 0, strong_ = 0, emphasis_ = 0, image_ = 0;
    BlockKind resume_ = BlockKind::paragraph;
    bool in_code_ = false, action_ = false;
    std::string code_;
    int code_first_line_ = 0;
};

Builder& of(void* user) { return *static_cast<Builder*>(user); }

}  // namespace

Lesson parse_lesson(std::string_view markdown) {
    Builder builder(markdown);
    MD_PARSER parser{};
    parser.abi_version = 0;
    parser.flags = MD_FLAG_NOHTML | MD_FLAG_TABLES | MD_FLAG_STRIKETHROUGH;
    parser.enter_block = [](MD_BLOCKTYPE type, void* detail, void* user) { return of(user).enter(type, detail), 0; };
    parser.leave_block = [](MD_BLOCKTYPE type, void*, void* user) { return of(user).leave(type), 0; };
    parser.enter_span = [](MD_SPANTYPE type, void* detail, void* user) { return of(user).enter_span(type, detail), 0; };
    parser.leave_span = [](MD_SPANTYPE type, void*, void* user) { return of(user).leave_span(type), 0; };
    parser.text = [](MD_TEXTTYPE type, const MD_CHAR* text, MD_SIZE size, void* user) {
        return of(user).text(type, text, size), 0;
    };
    md_parse(markdown.data(), MD_SIZE(markdown.size()), &parser, &builder);
    return builder.finish();
}

Lesson load_lesson(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw InputError(path + ": cannot read the lesson");
    std::string text;
    char buffer[4096];
    while (in.read(buffer, sizeof buffer) || in.gcount() > 0) {
        text.append(buffer, std::size_t(in.gcount()));
        if (text.size() > kMaxLessonBytes) throw InputError(path + ": a lesson is at most 1 MiB");
    }
    if (in.bad()) throw InputError(path + ": cannot read the lesson");
    return parse_lesson(text);
}

}  // namespace hashscope::lesson
