// What a lesson's `check = METRIC OP VALUE` reads from the running app: one function over AppState,
// so the Lesson panel does no arithmetic. Numbers come from the scene's last result and the labs;
// `stage`, `method` and `view` are names, compared with == and != only.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hashscope::gui {

class AppState;

// The metric's current value as text ("0.93", "sort"); nullopt when it has no value yet (a lab has
// not finished) or the name is unknown.
std::optional<std::string> metric_text(std::string_view name, const AppState& state);
// Its value as a number; nullopt for names and values not there yet.
std::optional<double> metric_value(std::string_view name, const AppState& state);
bool is_metric(std::string_view name);
bool is_name_metric(std::string_view name);
// Every metric, for the lesson format's documentation and error messages.
const std::vector<std::string_view>& metric_names();

}  // namespace hashscope::gui
