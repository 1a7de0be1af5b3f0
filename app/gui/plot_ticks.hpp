// Where the ticks of a plot axis go and how they are labelled: plain arithmetic, no ImGui, so the
// plotting module (plot.hpp) stays thin and this part is unit tested without a window.
#pragma once

#include <string>
#include <vector>

namespace hashscope::gui::plot {

enum class Scale { linear, log10 };

// Values k * step inside [lo, hi], ascending, for the smallest step of the form {1, 2, 5} * 10^e
// that gives at most max_ticks + 1 of them.
std::vector<double> linear_ticks(double lo, double hi, int max_ticks);
// The powers of `base` (10, or 1024 for bytes, 4 for token counts) inside [lo, hi] (lo > 0); when
// they are more than `max_ticks`, every second, third ... one, so labels never crowd.
std::vector<double> log_ticks(double lo, double hi, int max_ticks, double base = 10.0);

// Compact tick labels: "0", "0.25", "12", "1.5k", "2M".
std::string format_number(double value);
// Byte counts with binary units: "512 B", "4 KiB", "1.5 GiB".
std::string format_bytes(double bytes);
// Token counts in binary thousands, as sequence lengths are quoted: "256", "4K", "1M".
std::string format_count(double count);

// Maps a data value to [0, 1] along an axis from lo to hi in the given scale (log: lo, hi > 0).
double axis_fraction(double value, double lo, double hi, Scale scale);

}  // namespace hashscope::gui::plot
