// A lesson: a Markdown file from tutorials/ split into steps the Lesson panel shows one at a time.
// `# Title` names the lesson; each `## Heading` starts a step; text between the title and the first
// step introduces the lesson and is shown above step 1. A fenced block ```hashscope holds the step's
// actions, one `key = value` per line (tutorials/README.md documents the keys). Parsing needs no
// window (md4c only), so tests and the fuzzer read every lesson headless; what the actions mean is
// the app's (app/gui/lesson_player.hpp).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace hashscope::lesson {

// A run of text in one style.
struct Span {
    std::string text;
    bool strong = false, emphasis = false, code = false;
};

enum class BlockKind { heading, paragraph, list_item, code, image, rule };

struct Block {
    BlockKind kind = BlockKind::paragraph;
    int level = 0;              // heading: 3..6 inside a step; list item: nesting depth from 1
    std::string marker;         // list item: "•" or "3."
    bool quote = false;         // inside a > quote
    std::vector<Span> spans;    // heading, paragraph, list item
    std::string text;           // code: its lines; image: its path as written
    std::string alt;            // image: the alternative text
};

// One `key = value` line of an action block, with its line in the file (from 1).
struct Action {
    int line = 0;
    std::string key, value;
};

// Something wrong in the lesson, at a line of the file; the rest of the lesson still works.
struct Problem {
    int line = 0;
    std::string message;
};

struct Step {
    std::string title;
    int line = 0;                   // of its heading
    std::vector<Block> blocks;
    std::vector<Action> actions;    // every ```hashscope block of the step, in order
    std::vector<Problem> problems;  // lines of its action blocks that are not key = value
};

struct Lesson {
    std::string title;
    std::vector<Block> intro;
    std::vector<Step> steps;
};

// Never throws on content: syntax problems land in the steps' `problems`; a lesson without any
// `##` step gets one step holding everything.
Lesson parse_lesson(std::string_view markdown);
// Reads and parses a file; InputError naming it when it cannot be read or is over 1 MiB.
Lesson load_lesson(const std::string& path);

}  // namespace hashscope::lesson
