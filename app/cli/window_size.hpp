// "WxH" window sizes for the GUI subcommands (screenshot, bench-frames): one parser, one message.
#pragma once

#include <iostream>
#include <regex>
#include <string>

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

}  // namespace hashscope::cli
