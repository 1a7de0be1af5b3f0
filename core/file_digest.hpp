// SHA-256 of data files, streamed (a model may be gigabytes): what a session file records of its
// model so that opening it elsewhere can tell whether the file there is the same one.
#pragma once

#include <string>

namespace hashscope {

// Lower-case hex SHA-256 of the file's bytes. For a folder (a Hugging Face model): the SHA-256 of
// the lines "NAME SHA256\n" of its regular files, sorted by name, so any changed, added or removed
// file changes it. InputError naming the path when it cannot be read or is neither a plain file nor
// a folder (a device such as /dev/zero would never end).
std::string file_sha256(const std::string& path);

}  // namespace hashscope
