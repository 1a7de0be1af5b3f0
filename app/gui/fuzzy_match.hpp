// The command palette's filter: every character of the pattern appears in the text in order,
// ignoring case ("nxpg" finds "Next page"). Plain functions, tested headless.
#pragma once

#include <cctype>
#include <string_view>

namespace hashscope::gui {

inline bool fuzzy_match(std::string_view pattern, std::string_view text) {
    std::size_t at = 0;
    for (const char c : pattern) {
        if (c == ' ') continue;
        const int want = std::tolower(static_cast<unsigned char>(c));
        while (at < text.size() && std::tolower(static_cast<unsigned char>(text[at])) != want) ++at;
        if (at == text.size()) return false;
        ++at;
    }
    return true;
}

}  // namespace hashscope::gui
