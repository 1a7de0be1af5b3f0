// Lessons headless: the Markdown parser against a hand-written lesson (steps, blocks, action lines
// at their line numbers), a broken lesson reporting the right line and reason while its other
// settings and steps still apply, checks against metrics set by hand, and every bundled lesson in
// tutorials/ parsing cleanly and applying step by step to a real AppState.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "app/gui/app_state.hpp"
#include "app/gui/lesson_metrics.hpp"
#include "app/gui/lesson_player.hpp"
#include "app/gui/scene_settings.hpp"
#include "app/lesson/lesson.hpp"
#include "core/error.hpp"

namespace {

using namespace hashscope;
using namespace hashscope::gui;
using lesson::BlockKind;

// Line numbers matter: line 1 is the title.
constexpr const char* kLesson = R"(# Hashing by hand

Intro with **bold** text.

## Hash the keys

Each key gets a *bucket*: `argmax` of the rotation.

- first
- second
  1. inner

```hashscope
method = reformer
rounds = 2
task = Raise the rounds
check = recall >= 0.5
```

![planes](img/planes.png)

## Sort

```
not an action
```

```hashscope
stage = sort
```
)";

TEST(LessonParser, SplitsStepsBlocksAndActionsWithTheirLines) {
    const lesson::Lesson l = lesson::parse_lesson(kLesson);
    EXPECT_EQ(l.title, "Hashing by hand");
    ASSERT_EQ(l.intro.size(), 1u);
    ASSERT_EQ(l.intro[0].spans.size(), 3u);
    EXPECT_EQ(l.intro[0].spans[1].text, "bold");
    EXPECT_TRUE(l.intro[0].spans[1].strong);
    ASSERT_EQ(l.steps.size(), 2u);

    const lesson::Step& hash = l.steps[0];
    EXPECT_EQ(hash.title, "Hash the keys");
    EXPECT_EQ(hash.line, 5);
    ASSERT_EQ(hash.blocks.size(), 5u);  // paragraph, three list items, image
    EXPECT_EQ(hash.blocks[0].spans[1].text, "bucket");
    EXPECT_TRUE(hash.blocks[0].spans[1].emphasis);
    EXPECT_TRUE(hash.blocks[0].spans[3].code);
    EXPECT_EQ(hash.blocks[1].kind, BlockKind::list_item);
    EXPECT_EQ(hash.blocks[1].marker, "\u2022");
    EXPECT_EQ(hash.blocks[3].marker, "1.");
    EXPECT_EQ(hash.blocks[3].level, 2);
    EXPECT_EQ(hash.blocks[4].kind, BlockKind::image);
    EXPECT_EQ(hash.blocks[4].text, "img/planes.png");
    EXPECT_EQ(hash.blocks[4].alt, "planes");
    ASSERT_EQ(hash.actions.size(), 4u);
    EXPECT_EQ(hash.actions[0].line, 14);
    EXPECT_EQ(hash.actions[0].key, "method");
    EXPECT_EQ(hash.actions[0].value, "reformer");
    EXPECT_EQ(hash.actions[3].line, 17);
    EXPECT_EQ(hash.actions[3].value, "recall >= 0.5");
    EXPECT_TRUE(hash.problems.empty());

    const lesson::Step& sort = l.steps[1];
    ASSERT_EQ(sort.blocks.size(), 1u);
    EXPECT_EQ(sort.blocks[0].kind, BlockKind::code);
    EXPECT_EQ(sort.blocks[0].text, "not an action");
    ASSERT_EQ(sort.actions.size(), 1u);
    EXPECT_EQ(sort.actions[0].line, 29);
}

TEST(LessonParser, NeverFailsOnOddInput) {
    EXPECT_EQ(lesson::parse_lesson("").steps.size(), 1u);
    const lesson::Lesson plain = lesson::parse_lesson("just text\n\n```hashscope\nn 12\n = 3\n");
    ASSERT_EQ(plain.steps.size(), 1u);
    ASSERT_EQ(plain.steps[0].problems.size(), 2u);
    EXPECT_EQ(plain.steps[0].problems[0].line, 4);
    EXPECT_EQ(plain.steps[0].problems[0].message, "'n 12' is not key = value");
    EXPECT_EQ(plain.steps[0].problems[1].line, 5);
    EXPECT_THROW(lesson::load_lesson("/nonexistent/lesson.md"), InputError);
}

constexpr const char* kBroken = R"(# Broken

## One

```hashscope
rounds = abc
buckets = 32
colour = red
check = happiness > 3
check = recall >> 1
view = nowhere
model = missing/model.gguf
task = still here
```

## Two

```hashscope
n = 128
```
)";

std::filesystem::path write_temp(const std::string& name, const std::string& text) {
    const auto path = std::filesystem::temp_directory_path() / name;
    std::ofstream(path) << text;
    return path;
}

TEST(LessonPlayer, BrokenLinesAreReportedAndTheRestStillApplies) {
    const auto path = write_temp("hashscope_broken_lesson.md", kBroken);
    const lesson::Lesson l = lesson::load_lesson(path.string());
    const std::vector<PreparedStep> steps = prepare_steps(l, path.string());
    ASSERT_EQ(steps.size(), 2u);
    const auto& problems = steps[0].problems;
    ASSERT_EQ(problems.size(), 6u);
    EXPECT_EQ(problems[0].line, 6);
    EXPECT_EQ(problems[0].message, "rounds: 'abc' is not a number");
    EXPECT_EQ(problems[1].line, 8);
    EXPECT_EQ(problems[1].message, "unknown key 'colour'");
    EXPECT_EQ(problems[2].line, 9);
    EXPECT_NE(problems[2].message.find("unknown metric 'happiness'"), std::string::npos) << problems[2].message;
    EXPECT_EQ(problems[3].line, 10);
    EXPECT_EQ(problems[4].line, 11);
    EXPECT_EQ(problems[4].message, "view: unknown view 'nowhere'");
    EXPECT_EQ(problems[5].line, 12);
    EXPECT_NE(problems[5].message.find("missing/model.gguf does not exist"), std::string::npos) << problems[5].message;
    EXPECT_EQ(steps[0].settings, std::vector<std::string>{"buckets=32"});
    EXPECT_EQ(steps[0].task, "still here");

    SceneParams small = default_scene();
    small.toy.n = 64;
    AppState state(small);
    open_lesson(path.string(), state);
    EXPECT_EQ(state.params.config.n_buckets, 32);
    go_to_step(1, state);
    EXPECT_EQ(state.result().params.toy.n, 128);
    EXPECT_EQ(state.lesson.step, 1);
    go_to_step(5, state);  // clamped to the last step
    EXPECT_EQ(state.lesson.step, 1);
    std::filesystem::remove(path);
}

TEST(LessonPlayer, ChecksCompareTheMetricWithItsValue) {
    const auto path = write_temp("hashscope_check_lesson.md",
                                 "# C\n\n## Dense\n\n```hashscope\nmethod = dense\nn = 64\ncheck = recall >= 0.999\n```\n\n"
                                 "## Few rounds\n\n```hashscope\nmethod = reformer\nn = 512\nrounds = 1\nbuckets = 32\n"
                                 "check = recall >= 0.999\n```\n\n## Stage\n\n```hashscope\nstage = sort\ncheck = stage == sort\n```\n");
    SceneParams small = default_scene();
    small.toy.n = 64;
    AppState state(small);
    open_lesson(path.string(), state);
    auto status = check_step(state);
    ASSERT_TRUE(status);
    EXPECT_TRUE(status->passed);  // dense reaches every key: recall 1
    EXPECT_EQ(status->actual, "1");
    go_to_step(1, state);
    status = check_step(state);
    ASSERT_TRUE(status);
    EXPECT_LT(state.result().mean_recall, 0.999);
    EXPECT_FALSE(status->passed);
    EXPECT_EQ(*metric_value("recall", state), state.result().mean_recall);
    go_to_step(2, state);
    status = check_step(state);
    ASSERT_TRUE(status);
    EXPECT_TRUE(status->passed);
    state.playback.jump_to(Stage::chunk);
    EXPECT_FALSE(check_step(state)->passed);
    EXPECT_EQ(check_step(state)->actual, "chunk");
    std::filesystem::remove(path);
}

// Next keeps what the learner changed; a jump, Back or Reset sets the step up from the lesson's own
// actions (every step's up to it) over the app as it was when the lesson opened.
TEST(LessonPlayer, StepsBuildOnEachOtherWhateverTheWayThere) {
    const auto path = write_temp("hashscope_steps_lesson.md",
                                 "# S\n\n## One\n\n```hashscope\nn = 128\n```\n\n## Two\n\n```hashscope\nrounds = 2\n```\n\n"
                                 "## Three\n\n```hashscope\nbuckets = 8\n```\n");
    SceneParams small = default_scene();
    small.toy.n = 64;
    small.toy.d = 16;
    AppState state(small);
    open_lesson(path.string(), state);
    go_to_step(2, state);  // a jump: steps one and two apply too
    EXPECT_EQ(state.result().params.toy.n, 128);
    EXPECT_EQ(state.result().params.config.n_hashes, 2);
    EXPECT_EQ(state.result().params.config.n_buckets, 8);
    EXPECT_EQ(state.result().params.toy.d, 16);  // from before the lesson

    go_to_step(0, state);  // back: what step one sets up, from the start
    EXPECT_EQ(state.result().params.config.n_hashes, small.config.n_hashes);
    EXPECT_EQ(state.result().params.config.n_buckets, small.config.n_buckets);

    StartState changed = start_state_of(state);  // the learner raises the width...
    changed.params.toy.d = 32;
    apply_start_state(changed, state);
    go_to_step(1, state);  // ...and Next keeps it
    EXPECT_EQ(state.result().params.toy.d, 32);
    EXPECT_EQ(state.result().params.config.n_hashes, 2);
    go_to_step(1, state);  // Reset this step: the lesson's setup again
    EXPECT_EQ(state.result().params.toy.d, 16);
    EXPECT_EQ(state.result().params.config.n_hashes, 2);
    std::filesystem::remove(path);
}

TEST(LessonPlayer, PathsAreResolvedAgainstTheLessonsFolder) {
    EXPECT_EQ(resolve_lesson_path("/a/tutorials/01.md", "../assets/x.png"), "/a/assets/x.png");
    EXPECT_EQ(resolve_lesson_path("/a/tutorials/01.md", "/abs/m.gguf"), "/abs/m.gguf");
}

// Every bundled lesson: parses without a problem, has steps that each end up applied without one,
// and says at its end what the learner should have seen.
TEST(BundledLessons, ParseAndApplyEveryStep) {
    const auto lessons = bundled_lessons();
    ASSERT_GE(lessons.size(), 7u) << "in " << tutorials_dir();
    for (const std::string& path : lessons) {
        SCOPED_TRACE(path);
        const lesson::Lesson l = lesson::load_lesson(path);
        EXPECT_FALSE(l.title.empty());
        ASSERT_GE(l.steps.size(), 3u);
        EXPECT_NE(l.steps.back().title.find("What you should have seen"), std::string::npos) << l.steps.back().title;
        AppState state;
        open_lesson(path, state);
        for (std::size_t i = 0; i < l.steps.size(); ++i) {
            go_to_step(int(i), state, true);
            for (const lesson::Problem& p : state.lesson.steps[i].problems)
                ADD_FAILURE() << "step " << i + 1 << " line " << p.line << ": " << p.message;
        }
    }
}

}  // namespace
