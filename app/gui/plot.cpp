#include "app/gui/plot.hpp"

#include <epoxy/gl.h>

#include <algorithm>
#include <cmath>
#include <cstdint>

namespace hashscope::gui::plot {

namespace {

constexpr ImU32 kBackground = IM_COL32(28, 28, 36, 255);
constexpr ImU32 kGrid = IM_COL32(70, 70, 84, 255);
constexpr ImU32 kOutline = IM_COL32(120, 120, 130, 255);

ImU32 text_colour() { return ImGui::GetColorU32(ImGuiCol_Text); }

std::vector<double> ticks_of(const Axis& axis) {
    return axis.scale == Scale::log10 ? log_ticks(axis.lo, axis.hi, axis.max_ticks, axis.log_base)
                                      : linear_ticks(axis.lo, axis.hi, axis.max_ticks);
}

}  // namespace

Frame::Frame(const char* id, ImVec2 size, Axis x, Axis y) : draw_(ImGui::GetWindowDrawList()), x_(x), y_(y) {
    const float line = ImGui::GetTextLineHeight();
    const ImVec2 origin = ImGui::GetCursorScreenPos();
    // Room on the left for the widest y tick label (and the axis title above the frame), below for
    // the x tick labels and the x axis title.
    float label_w = 0.0f;
    const std::vector<double> yt = ticks_of(y_), xt = ticks_of(x_);
    for (const double t : yt) label_w = std::max(label_w, ImGui::CalcTextSize(y_.format(t).c_str()).x);
    const float top = y_.label.empty() ? line * 0.5f : line * 1.5f;
    const float bottom = line * (x_.label.empty() ? 1.5f : 2.8f);
    min_ = ImVec2(origin.x + label_w + 10.0f, origin.y + top);
    max_ = ImVec2(origin.x + std::max(size.x, label_w + 40.0f) - 12.0f, origin.y + std::max(size.y, top + bottom + 20.0f) - bottom);

    draw_->AddRectFilled(min_, max_, kBackground);
    const ImU32 text = text_colour();
    for (const double t : yt) {
        const float py = to_screen(x_.lo, t).y;
        draw_->AddLine(ImVec2(min_.x, py), ImVec2(max_.x, py), kGrid);
        const std::string s = y_.format(t);
        draw_->AddText(ImVec2(min_.x - 6.0f - ImGui::CalcTextSize(s.c_str()).x, py - line * 0.5f), text, s.c_str());
    }
    float last_label_end = -1e9f;
    for (const double t : xt) {
        const float px = to_screen(t, y_.lo).x;
        draw_->AddLine(ImVec2(px, min_.y), ImVec2(px, max_.y), kGrid);
        const std::string s = x_.format(t);
        const float w = ImGui::CalcTextSize(s.c_str()).x;
        const float left = std::clamp(px - w * 0.5f, origin.x, max_.x + 10.0f - w);
        if (left > last_label_end + 6.0f) {
            draw_->AddText(ImVec2(left, max_.y + 4.0f), text, s.c_str());
            last_label_end = left + w;
        }
    }
    draw_->AddRect(min_, max_, kOutline);
    if (!y_.label.empty()) draw_->AddText(ImVec2(origin.x, origin.y), text, y_.label.c_str());
    if (!x_.label.empty()) {
        const float w = ImGui::CalcTextSize(x_.label.c_str()).x;
        draw_->AddText(ImVec2((min_.x + max_.x - w) * 0.5f, max_.y + 4.0f + line * 1.2f), text, x_.label.c_str());
    }
    ImGui::SetCursorScreenPos(min_);
    ImGui::InvisibleButton(id, ImVec2(max_.x - min_.x, max_.y - min_.y));
    hovered_ = ImGui::IsItemHovered();
    ImGui::SetCursorScreenPos(origin);
    ImGui::Dummy(ImVec2(max_.x + 12.0f - origin.x, max_.y + bottom - origin.y));
}

ImVec2 Frame::to_screen(double x, double y) const {
    const double fx = axis_fraction(x, x_.lo, x_.hi, x_.scale);
    const double fy = axis_fraction(y, y_.lo, y_.hi, y_.scale);
    return ImVec2(min_.x + float(fx) * (max_.x - min_.x), max_.y - float(fy) * (max_.y - min_.y));
}

double Frame::x_of(float screen_x) const {
    const double f = double(screen_x - min_.x) / double(std::max(max_.x - min_.x, 1.0f));
    if (x_.scale == Scale::log10) return x_.lo * std::pow(x_.hi / x_.lo, f);
    return x_.lo + f * (x_.hi - x_.lo);
}

void Frame::line(std::span<const double> xs, std::span<const double> ys, ImU32 colour, float thickness) const {
    std::vector<ImVec2> points;
    points.reserve(xs.size());
    for (std::size_t i = 0; i < std::min(xs.size(), ys.size()); ++i) points.push_back(to_screen(xs[i], ys[i]));
    draw_->PushClipRect(min_, max_, true);
    draw_->AddPolyline(points.data(), int(points.size()), colour, 0, thickness);
    draw_->PopClipRect();
}

void Frame::markers(std::span<const double> xs, std::span<const double> ys, ImU32 colour, float radius) const {
    for (std::size_t i = 0; i < std::min(xs.size(), ys.size()); ++i)
        draw_->AddCircleFilled(to_screen(xs[i], ys[i]), radius, colour, 8);
}

void Frame::bars(std::span<const double> values, std::span<const ImU32> colours) const {
    const float width = (max_.x - min_.x) / float(std::max<std::size_t>(values.size(), 1));
    const float gap = width >= 4.0f ? 1.0f : 0.0f;
    const float base = to_screen(x_.lo, std::max(y_.lo, y_.scale == Scale::log10 ? y_.lo : 0.0)).y;
    if (width < 1.0f) {
        // More bars than pixels: one rectangle per pixel column at the tallest bar in it, in that
        // bar's colour (every rectangle costs llvmpipe a triangle set-up, visible or not).
        const int columns = int(max_.x - min_.x);
        for (int px = 0; px < columns; ++px) {
            const auto first = std::size_t(float(px) / width), last = std::size_t(float(px + 1) / width);
            std::size_t best = first;
            for (std::size_t i = first; i < std::min(last, values.size()); ++i)
                if (values[i] > values[best]) best = i;
            if (best >= values.size()) break;
            const float top = to_screen(double(best), values[best]).y;
            draw_->AddRectFilled(ImVec2(min_.x + float(px), std::min(top, base)), ImVec2(min_.x + float(px + 1), base),
                                 colours[std::min(best, colours.size() - 1)]);
        }
        return;
    }
    for (std::size_t i = 0; i < values.size(); ++i) {
        const ImVec2 top = to_screen(double(i), values[i]);
        draw_->AddRectFilled(ImVec2(top.x + gap, std::min(top.y, base)), ImVec2(top.x + width - gap, base),
                             colours[std::min(i, colours.size() - 1)]);
    }
}

void Frame::horizontal_line(double y, ImU32 colour, const char* label) const {
    const float py = to_screen(x_.lo, y).y;
    draw_->AddLine(ImVec2(min_.x, py), ImVec2(max_.x, py), colour, 1.5f);
    if (label)
        draw_->AddText(ImVec2(max_.x - ImGui::CalcTextSize(label).x - 4.0f, py - ImGui::GetTextLineHeight() - 1.0f),
                       colour, label);
}

void Frame::vertical_line(double x, ImU32 colour) const {
    const float px = to_screen(x, y_.lo).x;
    if (px < min_.x || px > max_.x) return;
    draw_->AddLine(ImVec2(px, min_.y), ImVec2(px, max_.y), colour, 1.5f);
}

Texture::~Texture() {
    if (id_ != 0) {
        const GLuint id = id_;
        glDeleteTextures(1, &id);
    }
}

void Texture::update(std::uint64_t version, std::span<const std::uint32_t> rgba, int width, int height, bool smooth) {
    if (version == version_ || width <= 0 || height <= 0) return;
    if (id_ == 0) {
        GLuint id = 0;
        glGenTextures(1, &id);
        id_ = id;
    }
    glBindTexture(GL_TEXTURE_2D, id_);
    const GLint filter = smooth ? GL_LINEAR : GL_NEAREST;
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MIN_FILTER, filter);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_MAG_FILTER, filter);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_S, GL_CLAMP_TO_EDGE);
    glTexParameteri(GL_TEXTURE_2D, GL_TEXTURE_WRAP_T, GL_CLAMP_TO_EDGE);
    glPixelStorei(GL_UNPACK_ALIGNMENT, 4);
    // ImU32 is ABGR in memory order R, G, B, A on little-endian machines: exactly GL_RGBA bytes.
    glTexImage2D(GL_TEXTURE_2D, 0, GL_RGBA8, width, height, 0, GL_RGBA, GL_UNSIGNED_BYTE, rgba.data());
    version_ = version;
}

ImTextureID Texture::id() const { return reinterpret_cast<ImTextureID>(static_cast<std::uintptr_t>(id_)); }

ImVec2 image(const Texture& texture, float side, const char* title) {
    ImGui::TextUnformatted(title);
    const ImVec2 o = ImGui::GetCursorScreenPos();
    ImDrawList* draw = ImGui::GetWindowDrawList();
    if (!texture.empty()) draw->AddImage(texture.id(), o, ImVec2(o.x + side, o.y + side));
    draw->AddRect(ImVec2(o.x - 1.0f, o.y - 1.0f), ImVec2(o.x + side + 1.0f, o.y + side + 1.0f), kOutline);
    ImGui::Dummy(ImVec2(side, side));
    return o;
}

void colour_bar(ImVec2 o, float width, float height, std::uint32_t (*colour)(float), double max_value,
                double middle_value, const char* caption) {
    ImDrawList* draw = ImGui::GetWindowDrawList();
    const int steps = 64;
    for (int s = 0; s < steps; ++s) {
        const float t = 1.0f - (float(s) + 0.5f) / float(steps);
        draw->AddRectFilled(ImVec2(o.x, o.y + height * float(s) / float(steps)),
                            ImVec2(o.x + width, o.y + height * float(s + 1) / float(steps)), colour(t));
    }
    draw->AddRect(ImVec2(o.x - 1.0f, o.y - 1.0f), ImVec2(o.x + width + 1.0f, o.y + height + 1.0f), kOutline);
    const float line = ImGui::GetTextLineHeight();
    const ImU32 text = text_colour();
    draw->AddText(ImVec2(o.x + width + 6.0f, o.y), text, format_number(max_value).c_str());
    draw->AddText(ImVec2(o.x + width + 6.0f, o.y + height * 0.5f - line * 0.5f), text,
                  format_number(middle_value).c_str());
    draw->AddText(ImVec2(o.x + width + 6.0f, o.y + height - line), text, "0");
    draw->AddText(ImVec2(o.x - 2.0f, o.y - line - 4.0f), text, caption);
}

}  // namespace hashscope::gui::plot
