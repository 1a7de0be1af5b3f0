// The config folder ($XDG_CONFIG_HOME/hashscope, else ~/.config/hashscope) and the list of recently
// opened sessions and lessons kept there (recent.txt, one path per line, newest first), for the
// File menu. Plain file I/O, tested headless.
#pragma once

#include <string>
#include <vector>

namespace hashscope::gui {

// Created when missing; empty when it cannot be (then nothing is persisted).
std::string config_dir();

class RecentFiles {
public:
    static constexpr std::size_t kMax = 8;
    // Reads `file` (missing or unreadable: an empty list).
    explicit RecentFiles(std::string file);
    // Moves `path` to the front (dropping the oldest past kMax) and writes the file.
    void add(const std::string& path);
    const std::vector<std::string>& paths() const { return paths_; }

private:
    std::string file_;
    std::vector<std::string> paths_;
};

}  // namespace hashscope::gui
