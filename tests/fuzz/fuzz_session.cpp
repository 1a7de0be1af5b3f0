// libFuzzer harness: session files (app/gui/session) — JSON, the format number, every setting
// through the settings table, the model's path and checksum, the lesson and step. Bad input may only
// end in InputError (MissingModel is one).
#include "app/gui/session.hpp"
#include "fuzz/fuzz_input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    const std::string text(reinterpret_cast<const char*>(data), size);
    const std::string path = (hashscope_fuzz::scratch_dir() / "session.json").string();
    return hashscope_fuzz::refuse_only_with_input_error([&] { (void)hashscope::gui::parse_session(text, path); });
}
