// A panel of the desktop app (ImHex habit): a small class over the shared AppState that draws the
// contents of an ImGui window the caller has begun. Views only draw; what they show was computed by
// AppState's worker (SceneResult) or is cheap per-frame arithmetic (animation).
#pragma once

#include <initializer_list>
#include <string>
#include <utility>

#include "app/gui/app_state.hpp"

namespace hashscope::gui {

class View {
public:
    explicit View(std::string name) : name_(std::move(name)) {}
    virtual ~View() = default;
    View(const View&) = delete;
    View& operator=(const View&) = delete;

    const std::string& name() const { return name_; }
    virtual void draw(AppState& state) = 0;

protected:
    // A row of chips naming the pipeline stages this view shows; the one playing now is lit, so
    // stepping through the pipeline highlights the stage in every view.
    static void stage_chips(const AppState& state, std::initializer_list<Stage> stages);
    // The hashing views (hyperplanes, buckets, sort) draw Reformer's hashing whatever the method; when
    // the method is another, one line says so and why.
    static void reformer_only_note(const AppState& state);
    // A GPU twin's one line (compute=gpu): green when the device ran and agreed, amber otherwise.
    static void gpu_comparison_line(const GpuComparison& comparison);

private:
    std::string name_;
};

}  // namespace hashscope::gui
