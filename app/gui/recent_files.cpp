#include "app/gui/recent_files.hpp"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>

namespace hashscope::gui {

std::string config_dir() {
    std::filesystem::path dir;
    if (const char* xdg = std::getenv("XDG_CONFIG_HOME"); xdg && *xdg)
        dir = std::filesystem::path(xdg) / "hashscope";
    else if (const char* home = std::getenv("HOME"); home && *home)
        dir = std::filesystem::path(home) / ".config" / "hashscope";
    else
        return {};
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    return ec ? std::string() : dir.string();
}

RecentFiles::RecentFiles(std::string file) : file_(std::move(file)) {
    std::ifstream in(file_);
    for (std::string line; std::getline(in, line) && paths_.size() < kMax;)
        if (!line.empty()) paths_.push_back(line);
}

void RecentFiles::add(const std::string& path) {
    std::erase(paths_, path);
    paths_.insert(paths_.begin(), path);
    if (paths_.size() > kMax) paths_.resize(kMax);
    if (file_.empty()) return;
    std::ofstream out(file_, std::ios::trunc);
    for (const std::string& p : paths_) out << p << "\n";
}

}  // namespace hashscope::gui
