// The plotting module every view draws through (Debian has no ImPlot): a plot frame over ImDrawList
// with axes, ticks, labels and linear or log scales, and lines, bars and markers inside it; heat maps
// as OpenGL textures so an n x n map costs one quad per frame; a colour-bar legend. Tick placement
// and labels live in plot_ticks.hpp (no ImGui, unit tested).
#pragma once

#include <imgui.h>

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "app/gui/plot_ticks.hpp"

namespace hashscope::gui::plot {

struct Axis {
    Axis(double lo_, double hi_, Scale scale_ = Scale::linear) : lo(lo_), hi(hi_), scale(scale_) {}
    double lo = 0.0, hi = 1.0;
    Scale scale = Scale::linear;
    std::string label;                      // drawn beside the axis; empty: none
    std::string (*format)(double) = format_number;
    int max_ticks = 6;    // 0: no ticks (category axes)
    double log_base = 10.0;  // tick spacing on a log axis
};

// A rectangle on screen with an x and a y axis. Construction draws the background, the grid, the
// ticks and their labels, and reserves the space (with room for labels) in the current window.
class Frame {
public:
    // `size` includes the tick labels; the data area is inset from it.
    Frame(const char* id, ImVec2 size, Axis x, Axis y);

    ImVec2 to_screen(double x, double y) const;
    double x_of(float screen_x) const;
    ImVec2 min() const { return min_; }
    ImVec2 max() const { return max_; }
    // True when the mouse is over the data area (the frame is an ImGui item for hovering).
    bool hovered() const { return hovered_; }

    void line(std::span<const double> xs, std::span<const double> ys, ImU32 colour, float thickness = 2.0f) const;
    void markers(std::span<const double> xs, std::span<const double> ys, ImU32 colour, float radius = 3.5f) const;
    // Category bars: bar i spans x in [i, i + 1) (set the x axis to 0..count), height values[i]; with
    // more bars than pixels, each pixel column shows its tallest bar.
    void bars(std::span<const double> values, std::span<const ImU32> colours) const;
    void horizontal_line(double y, ImU32 colour, const char* label = nullptr) const;
    void vertical_line(double x, ImU32 colour) const;

private:
    ImDrawList* draw_;
    ImVec2 min_, max_;
    Axis x_, y_;
    bool hovered_ = false;
};

// An RGBA image in an OpenGL texture, re-uploaded only when its version changes.
class Texture {
public:
    Texture() = default;
    ~Texture();
    Texture(const Texture&) = delete;
    Texture& operator=(const Texture&) = delete;
    // True when the image shown is not the one of `version`: build its pixels, then update().
    bool stale(std::uint64_t version) const { return version != version_; }
    // `rgba` is width x height ImU32 colours, row-major, top row first. `smooth`: linear filtering,
    // for pictures shown smaller than they are (cells of a map stay crisp with nearest).
    void update(std::uint64_t version, std::span<const std::uint32_t> rgba, int width, int height, bool smooth = false);
    ImTextureID id() const;
    bool empty() const { return id_ == 0; }

private:
    unsigned id_ = 0;
    std::uint64_t version_ = ~std::uint64_t(0);
};

// A texture stretched over a square `side` pixels wide at the cursor, with a title above and an
// outline (nearest-neighbour sampling, so cells stay crisp). Returns the image's top-left corner.
ImVec2 image(const Texture& texture, float side, const char* title);
// A vertical colour bar for a [0, max] scale drawn through `colour(t)`, t in [0, 1], labelled at
// the ends and the middle (the label of t = 0.5 is `middle_value`).
void colour_bar(ImVec2 top_left, float width, float height, std::uint32_t (*colour)(float), double max_value,
                double middle_value, const char* caption);

}  // namespace hashscope::gui::plot
