#include "app/gui/view_lesson.hpp"

#include <imgui.h>
#include <stb_image.h>

#include <algorithm>
#include <cfloat>
#include <cstring>
#include <filesystem>
#include <functional>

#include "app/gui/fonts.hpp"
#include "app/gui/lesson_player.hpp"
#include "core/error.hpp"

namespace hashscope::gui {

namespace {

constexpr ImU32 kCodeBackground = IM_COL32(255, 255, 255, 22);
const ImVec4 kDone(0.35f, 0.85f, 0.45f, 1.0f);
const ImVec4 kPending(1.0f, 0.78f, 0.30f, 1.0f);
const ImVec4 kProblem(1.0f, 0.42f, 0.38f, 1.0f);

ImFont* font_of(const lesson::Span& span) {
    const FontSet& f = fonts();
    if (span.code) return f.mono;
    if (span.strong) return f.bold;
    if (span.emphasis) return f.italic;
    return f.body;
}

// Styled runs laid out word by word inside [x0, right), wrapping at word boundaries.
void rich_text(const std::vector<lesson::Span>& spans, float indent, ImFont* override_font = nullptr,
               float right_margin = 0.0f) {
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const ImVec2 start = ImGui::GetCursorScreenPos();
    const float x0 = start.x + indent, right = start.x + ImGui::GetContentRegionAvail().x - right_margin;
    const float line_h = (override_font ? override_font : fonts().body)->FontSize * 1.3f;
    const ImU32 colour = ImGui::GetColorU32(ImGuiCol_Text);
    ImVec2 pen(x0, start.y);
    for (const lesson::Span& span : spans) {
        ImFont* font = override_font ? override_font : font_of(span);
        const char* p = span.text.c_str();
        const char* end = p + span.text.size();
        while (p < end) {
            const char* word_end = p;
            while (word_end < end && *word_end != ' ') ++word_end;
            const char* next = word_end;
            while (next < end && *next == ' ') ++next;
            const float word_w = font->CalcTextSizeA(font->FontSize, FLT_MAX, 0.0f, p, word_end).x;
            const float with_space = font->CalcTextSizeA(font->FontSize, FLT_MAX, 0.0f, p, next).x;
            if (pen.x + word_w > right && pen.x > x0) {
                pen = ImVec2(x0, pen.y + line_h);
            }
            if (!(pen.x == x0 && word_end == p)) {  // no space at the start of a line
                if (span.code && word_end > p)
                    draw->AddRectFilled(ImVec2(pen.x - 2, pen.y), ImVec2(pen.x + word_w + 2, pen.y + font->FontSize + 2),
                                        kCodeBackground, 3.0f);
                draw->AddText(font, font->FontSize, pen, colour, p, next);
                pen.x += with_space;
            }
            p = next;
        }
    }
    ImGui::Dummy(ImVec2(right - start.x, pen.y + line_h - start.y));
}

void code_box(const std::string& text) {
    ImGui::PushFont(fonts().mono);
    const ImVec2 pad = ImGui::GetStyle().FramePadding;
    const ImVec2 size = ImGui::CalcTextSize(text.c_str());
    const ImVec2 o = ImGui::GetCursorScreenPos();
    const float width = std::max(size.x + 2 * pad.x, ImGui::GetContentRegionAvail().x);
    ImGui::GetWindowDrawList()->AddRectFilled(o, ImVec2(o.x + width, o.y + size.y + 2 * pad.y), kCodeBackground, 4.0f);
    ImGui::SetCursorScreenPos(ImVec2(o.x + pad.x, o.y + pad.y));
    ImGui::TextUnformatted(text.c_str());
    ImGui::SetCursorScreenPos(ImVec2(o.x, o.y + size.y + 2 * pad.y));
    ImGui::Dummy(ImVec2(width, ImGui::GetStyle().ItemSpacing.y));
    ImGui::PopFont();
}

void draw_block(const lesson::Block& block, const std::function<void(const lesson::Block&)>& image) {
    const float em = ImGui::GetFontSize();
    if (block.quote) ImGui::Indent(em);
    switch (block.kind) {
    case lesson::BlockKind::heading:
        ImGui::Spacing();
        rich_text(block.spans, 0.0f, fonts().bold);
        break;
    case lesson::BlockKind::paragraph: rich_text(block.spans, 0.0f); break;
    case lesson::BlockKind::list_item: {
        const float indent = em * 1.4f * float(std::max(0, block.level - 1));
        const ImVec2 o = ImGui::GetCursorScreenPos();
        ImGui::GetWindowDrawList()->AddText(fonts().body, fonts().body->FontSize, ImVec2(o.x + indent + em * 0.3f, o.y),
                                            ImGui::GetColorU32(ImGuiCol_Text), block.marker.c_str());
        rich_text(block.spans, indent + em * 1.6f);
        break;
    }
    case lesson::BlockKind::code: code_box(block.text); break;
    case lesson::BlockKind::image: image(block); break;
    case lesson::BlockKind::rule: ImGui::Separator(); break;
    }
    if (block.quote) ImGui::Unindent(em);
    ImGui::Dummy(ImVec2(0, em * 0.25f));
}

std::string title_of(const std::string& path) {
    try {
        const lesson::Lesson l = lesson::load_lesson(path);
        if (!l.title.empty()) return l.title;
    } catch (const InputError&) {
    }
    return std::filesystem::path(path).stem().string();
}

}  // namespace

void LessonView::draw_image(const std::string& path, const std::string& alt) {
    auto& picture = pictures_[path];
    if (!picture) {
        picture = std::make_unique<Picture>();
        int w = 0, h = 0, channels = 0;
        stbi_uc* pixels = stbi_load(path.c_str(), &w, &h, &channels, 4);
        if (!pixels) {
            picture->error = path + ": cannot read the image";
        } else {
            std::vector<std::uint32_t> rgba(std::size_t(w) * std::size_t(h));
            std::memcpy(rgba.data(), pixels, rgba.size() * 4);
            stbi_image_free(pixels);
            picture->texture.update(1, rgba, w, h, true);
            picture->width = w;
            picture->height = h;
        }
    }
    if (!picture->error.empty()) {
        ImGui::TextColored(kProblem, "%s", picture->error.c_str());
        return;
    }
    const float avail = ImGui::GetContentRegionAvail().x;
    const float scale = std::min(avail / float(picture->width), 1.5f * ImGui::GetFontSize() / kFontSize);
    ImGui::Image(picture->texture.id(), ImVec2(float(picture->width) * scale, float(picture->height) * scale));
    if (!alt.empty()) {  // the caption, wrapped
        ImGui::PushStyleColor(ImGuiCol_Text, ImGui::GetStyleColorVec4(ImGuiCol_TextDisabled));
        ImGui::TextWrapped("%s", alt.c_str());
        ImGui::PopStyleColor();
    }
}

void LessonView::draw_catalog(AppState& state) {
    if (!catalog_read_) {
        for (const std::string& path : bundled_lessons()) catalog_.emplace_back(path, title_of(path));
        catalog_read_ = true;
    }
    ImGui::PushFont(fonts().title);
    ImGui::TextUnformatted("Lessons");
    ImGui::PopFont();
    ImGui::TextWrapped("Each lesson sets up the views step by step. Next / Back (or Page Down / Page Up) turn its pages.");
    ImGui::Spacing();
    if (catalog_.empty()) ImGui::TextDisabled("No lessons found in %s", tutorials_dir().c_str());
    for (const auto& [path, title] : catalog_)
        if (ImGui::Button(title.c_str(), ImVec2(-FLT_MIN, 0))) {
            try {
                open_lesson(path, state);
            } catch (const InputError& e) {
                state.lesson.error = e.what();
            }
        }
}

void LessonView::draw(AppState& state) {
    LessonState& l = state.lesson;
    if (!l.error.empty()) ImGui::TextColored(kProblem, "%s", l.error.c_str());
    if (!l.open()) {
        draw_catalog(state);
        return;
    }
    const int count = int(l.steps.size());
    const lesson::Step& step = l.lesson.steps[std::size_t(l.step)];
    const PreparedStep& prepared = l.steps[std::size_t(l.step)];
    const float em = ImGui::GetFontSize();

    rich_text({{l.lesson.title}}, 0.0f, fonts().title);
    ImGui::ProgressBar(float(l.step + 1) / float(count), ImVec2(-FLT_MIN, em * 0.35f), "");
    ImGui::TextDisabled("Step %d of %d", l.step + 1, count);

    const float footer = ImGui::GetFrameHeightWithSpacing() * 1.3f;
    ImGui::BeginChild("lesson-content", ImVec2(0, -footer));
    if (scrolled_step_ != l.step) {
        ImGui::SetScrollY(0.0f);
        scrolled_step_ = l.step;
    }
    const auto image = [&](const lesson::Block& b) { draw_image(resolve_lesson_path(l.path, b.text), b.alt); };
    if (l.step == 0)
        for (const lesson::Block& block : l.lesson.intro) draw_block(block, image);
    ImGui::Spacing();
    rich_text({{step.title}}, 0.0f, fonts().bold);
    ImGui::Separator();
    ImGui::Spacing();
    for (const lesson::Block& block : step.blocks) draw_block(block, image);

    if (!prepared.task.empty()) {
        ImGui::Spacing();
        const auto status = check_step(state);
        const bool done = status && status->passed;
        // A framed box: its content first, then the frame around what it took.
        const ImVec2 pad(em * 0.6f, em * 0.5f);
        const float box_right = ImGui::GetCursorScreenPos().x + ImGui::GetContentRegionAvail().x - 1.0f;
        ImGui::Indent(pad.x);
        ImGui::Dummy(ImVec2(0, pad.y * 0.5f));
        ImGui::BeginGroup();
        ImGui::PushFont(fonts().bold);
        ImGui::TextColored(done ? kDone : kPending, done ? "\u2713 Done" : "Your turn");
        ImGui::PopFont();
        rich_text({{prepared.task}}, 0.0f, nullptr, pad.x);
        if (status && prepared.check) {
            const LessonCheck& c = *prepared.check;
            ImGui::TextDisabled("check: %s %s %s   (now %s)", c.metric.c_str(), c.op.c_str(), c.value.c_str(),
                                status->actual.empty() ? "computing" : status->actual.c_str());
        }
        ImGui::EndGroup();
        ImGui::Unindent(pad.x);
        const ImVec2 lo = ImGui::GetItemRectMin(), hi = ImGui::GetItemRectMax();
        ImGui::GetWindowDrawList()->AddRect(ImVec2(lo.x - pad.x, lo.y - pad.y),
                                            ImVec2(box_right, hi.y + pad.y),
                                            ImGui::GetColorU32(done ? kDone : kPending), 6.0f, 0, 2.0f);
        ImGui::Dummy(ImVec2(0, pad.y));
    }
    for (const lesson::Problem& problem : prepared.problems) {
        if (problem.line > 0)
            ImGui::TextColored(kProblem, "line %d: %s", problem.line, problem.message.c_str());
        else
            ImGui::TextColored(kProblem, "%s", problem.message.c_str());
    }
    ImGui::EndChild();

    ImGui::Separator();
    ImGui::BeginDisabled(l.step == 0);
    if (ImGui::Button("\u25C0 Back")) go_to_step(l.step - 1, state);
    ImGui::EndDisabled();
    ImGui::SameLine();
    if (ImGui::Button("Reset this step")) go_to_step(l.step, state);
    ImGui::SameLine();
    ImGui::BeginDisabled(l.step + 1 >= count);
    if (ImGui::Button("Next \u25B6")) go_to_step(l.step + 1, state);
    ImGui::EndDisabled();
    ImGui::SameLine(ImGui::GetContentRegionMax().x - ImGui::CalcTextSize("Close").x - 2 * ImGui::GetStyle().FramePadding.x);
    if (ImGui::Button("Close")) close_lesson(state);
}

}  // namespace hashscope::gui
