// ModelLab: the Model view's worker (AppState's pattern: one queued job, the newest wins, a failure
// keeps the current model) and the pure steps it runs, which tests call directly.
#include "app/gui/model_lab.hpp"

#include <filesystem>

#include <cstdlib>

#include <algorithm>
#include <exception>
#include <utility>

#include "app/gui/background_priority.hpp"
#include "core/error.hpp"
#include "core/model/head_swap.hpp"
#include "core/simhash.hpp"

namespace hashscope::gui {

std::string default_model_path() {
    const char* assets = std::getenv("HASHSCOPE_ASSETS");
    const std::filesystem::path path =
        std::filesystem::path(assets && *assets ? assets : HASHSCOPE_ASSETS_DIR) / "models" / "kjv-llama";
    std::error_code ec;
    return std::filesystem::exists(path / "model.safetensors", ec) ? path.string() : std::string();
}

namespace {

// Thrown from a progress callback to abandon a superseded job (the core passes stop this way).
struct Cancelled {};

// A token as a chip shows it: its text, else (BOS, EOS) its piece trimmed; newlines and tabs
// escaped, so it stays one line.
std::string display_text(const std::string& text, const std::string& piece) {
    std::string shown = text;
    if (shown.empty()) {
        const auto first = piece.find_first_not_of(" \n\t"), last = piece.find_last_not_of(" \n\t");
        if (first != std::string::npos) shown = piece.substr(first, last - first + 1);
    }
    std::string out;
    for (const char c : shown) {
        if (c == '\n') out += "\\n";
        else if (c == '\t') out += "\\t";
        else out += c;
    }
    return out;
}

}  // namespace

namespace {

// The mean over layers of one of GroupRecall's per-layer means (every layer has as many heads).
double mean_over_layers(const std::vector<GroupRecall>& layers, double (GroupRecall::*layer_mean)() const) {
    std::vector<double> means;
    for (const GroupRecall& layer : layers) means.push_back((layer.*layer_mean)());
    return mean_of(means);
}

}  // namespace

double GroupSharing::mean_shared() const { return mean_over_layers(layers, &GroupRecall::mean_shared); }
double GroupSharing::mean_own() const { return mean_over_layers(layers, &GroupRecall::mean_own); }

std::optional<GroupSharing> group_sharing(const ModelConfig& config, const ForwardTrace<float>& trace) {
    if (config.kv_heads >= config.heads || trace.layers.empty()) return std::nullopt;
    GroupSharing sharing;
    sharing.group = config.heads / config.kv_heads;
    const int n = int(trace.tokens.size());
    sharing.top = std::min(std::max(8, n / 32), n);
    const Matrix<float> planes = random_planes<float>(config.head_dim, sharing.bits, 0);
    for (const LayerCapture<float>& layer : trace.layers) {
        const GroupSelections selections =
            simhash_group_selections(layer.q, layer.k, planes, {.top = sharing.top, .causal = true});
        sharing.layers.push_back(group_recall(layer.q, layer.k, selections, sharing.top, true));
    }
    return sharing;
}

std::optional<ModelRun> compute_model_run(const ModelJob& job, std::shared_ptr<const LoadedModel> current,
                                          const std::function<void(const ModelProgress&)>& progress,
                                          std::stop_token stop) {
    const auto report = [&](const std::string& stage, float fraction) {
        if (stop.stop_requested()) throw Cancelled{};
        if (progress) progress({stage, fraction});
    };
    try {
        ModelRun run;
        if (!job.path.empty()) {
            report("loading", 0.0f);
            current = std::make_shared<const LoadedModel>(
                load_model(job.path, "", [&](const std::string& stage) { report("loading: " + stage, 0.05f); }));
        }
        if (!current) throw InputError("no model loaded: open a model file first");
        run.model = current;
        run.path = current->weights.source();
        run.prompt = job.prompt;
        run.method = job.method;
        const Tokenizer* tokenizer = current->tokenizer.get();
        if (!tokenizer) throw InputError(run.path + ": no tokenizer found (for llama2.c put tokenizer.bin beside it)");
        run.tokens = tokenizer->encode(job.prompt, true);
        for (std::size_t i = 0; i < run.tokens.size(); ++i) {
            run.token_text.push_back(
                display_text(tokenizer->decode_token(i ? run.tokens[i - 1] : tokenizer->bos(), run.tokens[i]),
                             tokenizer->piece(run.tokens[i])));
        }
        ForwardOptions<float> options;
        options.capture_probabilities = true;
        options.progress = [&](int done, int total) { report("forward", 0.2f + 0.2f * float(done) / float(total)); };
        run.trace = transformer_forward<float>(current->weights, run.tokens, options);
        run.sharing = group_sharing(current->weights.config, run.trace);
        if (job.sensitivity && run.tokens.size() >= 2) {
            const ModelConfig& config = current->weights.config;
            const HeadSwap swap = parse_head_swap("method=" + job.method, config);
            // Every swap count on small models; on large ones a curve of 16 points keeps it bounded.
            const int points = config.layers * config.heads <= 64 ? 0 : 16;
            run.sensitivity = head_sensitivity<float>(current->weights, run.tokens, swap, points, [&](int done, int total) {
                report("sensitivity", 0.4f + 0.6f * float(done) / float(std::max(total, 1)));
            });
        }
        report("done", 1.0f);
        return run;
    } catch (const Cancelled&) {
        return std::nullopt;
    }
}

ToySequence head_sequence(const ModelRun& run, int layer, int head) {
    const ModelConfig& config = run.model->weights.config;
    if (layer < 0 || layer >= config.layers || head < 0 || head >= config.heads || run.trace.layers.empty())
        throw InputError("model head " + std::to_string(layer) + "." + std::to_string(head) + " is not in the model (" +
                         std::to_string(config.layers) + " layers x " + std::to_string(config.heads) + " heads)");
    const LayerCapture<float>& capture = run.trace.layers[std::size_t(layer)];
    const std::size_t kv = std::size_t(head / (config.heads / config.kv_heads));
    ToySequence s;
    s.q = capture.q[std::size_t(head)].cast<double>();
    s.k = capture.k[kv].cast<double>();
    s.v = capture.v[kv].cast<double>();
    s.labels = run.tokens;
    s.description = "model head: layer " + std::to_string(layer) + ", head " + std::to_string(head) + " (KV head " +
                    std::to_string(kv) + ") of " + run.path + " on \"" + run.prompt + "\": post-RoPE K as the shared "
                    "query/key vectors, " + std::to_string(s.k.rows()) + " tokens, head_dim " + std::to_string(s.k.cols());
    return s;
}

ModelLab::ModelLab() : worker_([this](std::stop_token stop) { work(stop); }) {}

ModelLab::~ModelLab() {
    {
        std::lock_guard lock(mutex_);
        cancel_.request_stop();
    }
    worker_.request_stop();
    wake_.notify_all();
}

void ModelLab::submit(ModelJob next) {
    std::lock_guard lock(mutex_);
    pending_ = std::move(next);
    cancel_.request_stop();
    progress_ = {"queued", 0.0f};
    wake_.notify_all();
}

void ModelLab::load(const std::string& path) {
    ModelJob next = job;
    next.path = path;
    submit(std::move(next));
}

void ModelLab::rerun(bool sensitivity) {
    ModelJob next = job;
    next.path.clear();
    next.sensitivity = sensitivity;
    submit(std::move(next));
}

void ModelLab::load_now(const std::string& path) {
    ModelJob next = job;
    next.path = path;
    auto done = std::make_shared<const ModelRun>(*compute_model_run(next, nullptr));
    std::lock_guard lock(mutex_);
    model_ = done->model;
    run_ = std::move(done);
    error_.clear();
    ++version_;
}

void ModelLab::work(std::stop_token stop) {
    lower_this_thread_priority();
    while (true) {
        ModelJob next;
        std::shared_ptr<const LoadedModel> current;
        std::stop_token cancel;
        {
            std::unique_lock lock(mutex_);
            if (!wake_.wait(lock, stop, [this] { return pending_.has_value(); })) return;
            next = std::move(*pending_);
            pending_.reset();
            current = model_;
            cancel_ = std::stop_source();
            cancel = cancel_.get_token();
            busy_ = true;
        }
        std::shared_ptr<const ModelRun> done;
        std::optional<std::string> failure;
        try {
            auto result = compute_model_run(next, current, [this](const ModelProgress& p) {
                std::lock_guard lock(mutex_);
                progress_ = p;
            }, cancel);
            if (result) done = std::make_shared<const ModelRun>(std::move(*result));
        } catch (const std::exception& e) {
            failure = e.what();
        }
        std::lock_guard lock(mutex_);
        // A job superseded while it ran is dropped, whatever its outcome.
        if (!cancel.stop_requested()) {
            if (done) {
                model_ = done->model;
                finished_ = std::move(done);
            } else if (failure) {
                failed_ = std::move(failure);
            }
        }
        busy_ = pending_.has_value();
    }
}

bool ModelLab::poll() {
    std::lock_guard lock(mutex_);
    if (failed_) {
        error_ = std::move(*failed_);
        failed_.reset();
    }
    if (!finished_) return false;
    run_ = std::move(finished_);
    finished_.reset();
    error_.clear();
    ++version_;
    return true;
}

bool ModelLab::busy() const {
    std::lock_guard lock(mutex_);
    return busy_ || pending_.has_value();
}

ModelProgress ModelLab::progress() const {
    std::lock_guard lock(mutex_);
    return progress_;
}

}  // namespace hashscope::gui
