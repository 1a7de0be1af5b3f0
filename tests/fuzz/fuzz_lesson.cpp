// libFuzzer harness: lessons (app/lesson, md4c) — any bytes parse into steps, and every step's
// actions are validated against the settings table and the metrics as the Lesson panel does when a
// lesson opens. Parsing never throws; validation reports problems, so nothing may escape at all.
#include "app/gui/lesson_player.hpp"
#include "app/lesson/lesson.hpp"
#include "fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const hashscope::lesson::Lesson lesson = hashscope::lesson::parse_lesson(text);
    const auto steps = hashscope::gui::prepare_steps(lesson, (hashscope_fuzz::scratch_dir() / "lesson.md").string());
    if (steps.size() != lesson.steps.size()) __builtin_trap();  // one validated step per parsed step
    return 0;
}
