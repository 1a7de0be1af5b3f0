// The Model view's state: a real model (core/model) loaded, run on the prompt and probed per head,
// all on its own worker thread so a large file or a long sensitivity sweep never blocks the UI. The
// view edits the request fields and calls load()/run(); poll() swaps in the newest finished
// ModelRun, and a failure becomes a one-line error while the current model stays. No GL here: it
// builds and tests headless.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "core/group_selection.hpp"
#include "core/model/head_sensitivity.hpp"
#include "core/model/model_loader.hpp"
#include "core/model/transformer_forward.hpp"
#include "core/toy_sequences.hpp"

namespace hashscope::gui {

// What the worker is asked to do. An empty path reuses the model already loaded.
struct ModelJob {
    std::string path;
    // Genesis 1:1-3, for the default model (kjv-llama; Genesis is training text, see its MODEL_CARD).
    std::string prompt = "In the beginning God created the heaven and the earth. And the earth was without form, and void; "
                         "and darkness was upon the face of the deep. And the Spirit of God moved upon the face of the waters. "
                         "And God said, Let there be light: and there was light.";
    std::string method = "reformer";  // hash method of the sensitivity map (head_method_names())
    bool sensitivity = true;           // also the per-head map and the swap curve (one pass per head)
};

// What keeping one selection per KV head costs on this prompt (core/group_selection.hpp): SimHash
// with `bits` planes drawn from seed 0, causal, `top` keys a query (n / 32, at least 8, at most n);
// per layer, every query head's recall of the group's shared selection and of its own.
struct GroupSharing {
    int group = 1, bits = 32, top = 8;
    std::vector<GroupRecall> layers;
    double mean_shared() const;  // over every layer's heads
    double mean_own() const;
};

// The sharing of `trace`'s captured layers for a model with `config`'s heads; nullopt when every
// query head has a KV head of its own (nothing to share).
std::optional<GroupSharing> group_sharing(const ModelConfig& config, const ForwardTrace<float>& trace);

// One finished run: the model, the prompt's tokens, the dense forward pass with every head's
// probabilities, and (when asked) the sensitivity of each head to the hash method.
struct ModelRun {
    std::shared_ptr<const LoadedModel> model;
    std::string path;
    std::string prompt, method;
    std::vector<int> tokens;
    std::vector<std::string> token_text;  // each token as it reads after the previous one, on one line
    ForwardTrace<float> trace;
    std::optional<GroupSharing> sharing;
    std::optional<SensitivityTrace> sensitivity;
};

// Progress of the job under way: its stage and the fraction done.
struct ModelProgress {
    std::string stage;
    float fraction = 0.0f;
};

// Runs `job` (loading unless its path is empty, then `current` is used; load_model finds a llama2.c
// checkpoint's tokenizer beside it, other formats embed theirs); reports to `progress`
// and returns nullopt when `stop` is requested. Throws InputError (naming the file) otherwise.
std::optional<ModelRun> compute_model_run(const ModelJob& job, std::shared_ptr<const LoadedModel> current,
                                          const std::function<void(const ModelProgress&)>& progress = {},
                                          std::stop_token stop = {});

// Head (layer, head) of a run as the scene's data: its post-RoPE queries, the keys and values of
// the KV head it reads (grouped-query attention), labelled by token id. InputError when out of range.
ToySequence head_sequence(const ModelRun& run, int layer, int head);

// The model the app opens when none is named: hashscope's own kjv-llama (assets/models, issue 11),
// from $HASHSCOPE_ASSETS/models/kjv-llama when that variable is set, else from the source tree the
// app was built from. Empty when it is not there.
std::string default_model_path();

class ModelLab {
public:
    ModelLab();
    ~ModelLab();
    ModelLab(const ModelLab&) = delete;
    ModelLab& operator=(const ModelLab&) = delete;

    ModelJob job;  // what the view edits
    int layer = 0, head = 0;  // the head the view shows (AppState::use_model_head sets it too)

    // Queues `job` with this path (loading) or with none (rerun on the current model); a queued
    // job is replaced and one under way is cancelled.
    void load(const std::string& path);
    void rerun(bool sensitivity);
    // The same synchronously on the calling thread (--set model=PATH); throws InputError.
    void load_now(const std::string& path);
    // UI thread, once per frame: true when a new run landed.
    bool poll();
    bool busy() const;
    ModelProgress progress() const;

    const std::shared_ptr<const ModelRun>& run() const { return run_; }  // null until a model loads
    const std::string& error() const { return error_; }
    std::uint64_t version() const { return version_; }

private:
    void submit(ModelJob next);
    void work(std::stop_token stop);

    std::shared_ptr<const ModelRun> run_;
    std::string error_;
    std::uint64_t version_ = 0;

    mutable std::mutex mutex_;
    std::condition_variable_any wake_;
    std::optional<ModelJob> pending_;
    std::shared_ptr<const LoadedModel> model_;  // the worker's current model (the UI's, once polled)
    bool busy_ = false;
    std::stop_source cancel_;
    std::shared_ptr<const ModelRun> finished_;
    std::optional<std::string> failed_;
    ModelProgress progress_;
    std::jthread worker_;  // last: it starts after the members it uses
};

}  // namespace hashscope::gui
