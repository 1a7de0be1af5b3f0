// The one error type core raises for bad input. Its message is a single line that names the file,
// flag or parameter and says what is wrong with it; the CLI prints it and exits 2, the GUI shows it.
#pragma once

#include <stdexcept>
#include <string>

namespace hashscope {

struct InputError : std::runtime_error {
    using std::runtime_error::runtime_error;
};

}  // namespace hashscope
