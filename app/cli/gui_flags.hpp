// Flags the GUI subcommands share (screenshot, export, bench-frames): "WxH" sizes and view names,
// each with one parser and one message.
#pragma once

#include <iostream>
#include <regex>
#include <string>
#include <vector>

#include "app/gui/gui_main.hpp"

namespace hashscope::cli {

// Parses "1600x1000" into width and height (each 64..8192); otherwise prints one line naming
// --size under `command` and returns false.
inline bool parse_window_size(const std::string& command, const std::string& size, int& width, int& height) {
    static const std::regex size_re(R"((\d{1,5})x(\d{1,5}))");
    std::smatch m;
    width = height = 0;
    if (std::regex_match(size, m, size_re)) {
        width = std::stoi(m[1].str());
        height = std::stoi(m[2].str());
    }
    if (width < 64 || height < 64 || width > 8192 || height > 8192) {
        std::cerr << command << ": --size must be WxH with each side in 64..8192, got '" << size << "'\n";
        return false;
    }
    return true;
}

// True for one of the app's view ids (or an empty name: the whole window); otherwise prints one line
// naming --view under `command` with the valid names and returns false.
inline bool check_view(const std::string& command, const std::string& view) {
    const std::vector<std::string> ids = gui::view_ids();
    if (view.empty()) return true;
    for (const std::string& id : ids)
        if (id == view) return true;
    std::string valid;
    for (const auto& id : ids) valid += (valid.empty() ? "" : ", ") + id;
    std::cerr << command << ": unknown --view '" << view << "'; valid views: " << valid << "\n";
    return false;
}

}  // namespace hashscope::cli
