// Resuming from a saved model gives an uninterrupted run's bits: fit_generator over
// a Sequence and a Generator and fit on arrays with epochs that are not whole
// passes, and the callbacks' state (EarlyStopping, ReduceLROnPlateau,
// ModelCheckpoint, CSVLogger) carried in the model file.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <functional>
#include <limits>
#include <sstream>

#include "petal/callbacks/csv_logger.h"
#include "petal/callbacks/early_stopping.h"
#include "petal/callbacks/lambda_callback.h"
#include "petal/callbacks/model_checkpoint.h"
#include "petal/callbacks/reduce_lr_on_plateau.h"
#include "petal/core/rng.h"
#include "petal/data/image_data_generator.h"
#include "petal/layers/core_layers.h"
#include "petal/layers/dense.h"
#include "petal/model/sequential.h"
#include "petal/optimizers/sgd.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

constexpr int64_t kSamples = 10, kBatch = 4, kSteps = 2;  // a pass is 3 batches, an epoch 2

struct Data {
  Tensor x{{kSamples, 4, 4, 1}}, y{{kSamples, 3}, 0.0f};
};

Data make_data() {
  Data d;
  Rng rng(11);
  for (int64_t i = 0; i < kSamples; ++i) {
    const int64_t c = i % 3;
    d.y.data()[i * 3 + c] = 1.0f;
    for (int64_t k = 0; k < 16; ++k) d.x.data()[i * 16 + k] = static_cast<float>(c) * 0.3f + static_cast<float>(rng.uniform(0, 0.5));
  }
  return d;
}

Sequential make_model() {
  Sequential m({.seed = 3, .input_shape = {4, 4, 1}});
  m.add(Flatten());
  m.add(Dense({.units = 3, .activation = "softmax"}));
  m.compile(SGD({.learning_rate = 0.2, .momentum = 0.9}), "categorical_crossentropy", {"accuracy"});
  return m;
}

std::unique_ptr<NumpyArrayIterator> make_flow(const Data& d) {
  const ImageDataGenerator gen({.width_shift_range = ShiftRange(0.2), .horizontal_flip = true});
  return gen.flow(d.x, d.y, {.batch_size = kBatch, .shuffle = true, .seed = 5});
}

// val_loss scripted by epoch (so a resumed run sees the same values), before the callbacks under test.
CallbackPtr scripted_val_loss(std::vector<double> values) {
  return std::make_shared<LambdaCallback>(LambdaCallbackOptions{.on_epoch_end = [values](int64_t e, Logs& l) {
    l.set("val_loss", values[std::min(static_cast<size_t>(e), values.size() - 1)]);
  }});
}

const std::vector<double> kValLoss = {1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.76, 0.77, 0.78, 0.79, 0.8, 0.81};

// One way of training: (model, epochs, initial_epoch, callbacks) -> History.
using Trainer = std::function<History(Model&, int64_t, int64_t, std::vector<CallbackPtr>)>;

struct Outcome {
  std::vector<Tensor> weights;
  std::vector<double> loss, lr;
  int64_t epochs = 0;
};

std::vector<CallbackPtr> callbacks(const std::filesystem::path& csv) {
  return {scripted_val_loss(kValLoss),
          std::make_shared<ReduceLROnPlateau>(ReduceLROnPlateauOptions{.factor = 0.5, .patience = 1}),
          std::make_shared<EarlyStopping>(EarlyStoppingOptions{.patience = 3, .restore_best_weights = true}),
          std::make_shared<CSVLogger>(csv, ',', false)};
}

Outcome outcome(Model& m, std::vector<double> loss, std::vector<double> lr) {
  return {m.get_weights(), std::move(loss), std::move(lr), m.epochs_completed()};
}

// Straight to `epochs`, or `cut` epochs, save, load, resume to `epochs` with new callbacks.
Outcome run(const Trainer& train, int64_t epochs, int64_t cut, const std::filesystem::path& dir) {
  Sequential m = make_model();
  const auto csv = dir / "log.csv";
  History first = train(m, cut > 0 ? cut : epochs, 0, callbacks(csv));
  std::vector<double> loss = first.at("loss"), lr = first.at("lr");
  if (cut == 0) return outcome(m, loss, lr);
  m.save(dir / "m.petal");
  Model resumed = load_model(dir / "m.petal");
  const History rest = train(resumed, epochs, cut, callbacks(csv));
  for (double v : rest.at("loss")) loss.push_back(v);
  for (double v : rest.at("lr")) lr.push_back(v);
  return outcome(resumed, loss, lr);
}

void expect_same(const Outcome& a, const Outcome& b) {
  EXPECT_EQ(a.epochs, b.epochs);
  EXPECT_EQ(a.loss, b.loss);
  EXPECT_EQ(a.lr, b.lr);
  ASSERT_EQ(a.weights.size(), b.weights.size());
  for (size_t i = 0; i < a.weights.size(); ++i) EXPECT_EQ(max_abs_diff(a.weights[i], b.weights[i]), 0.0f) << i;
}

std::string read(const std::filesystem::path& p) {
  std::ifstream in(p);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

void expect_resume_is_exact(const Trainer& train) {
  testing::TempDir tmp;
  std::filesystem::create_directories(tmp.path() / "straight");
  const Outcome straight = run(train, 12, 0, tmp.path() / "straight");
  ASSERT_LT(straight.epochs, 12) << "early stopping should end the run";
  EXPECT_LT(straight.lr.back(), straight.lr.front()) << "the plateau should lower the rate";
  for (int64_t cut = 1; cut < straight.epochs; ++cut) {
    const auto dir = tmp.path() / std::to_string(cut);
    std::filesystem::create_directories(dir);
    SCOPED_TRACE("resumed after epoch " + std::to_string(cut));
    expect_same(run(train, 12, cut, dir), straight);
    EXPECT_EQ(read(dir / "log.csv"), read(tmp.path() / "straight" / "log.csv"));
  }
}

TEST(ResumeExact, FitGeneratorOverASequenceWhoseEpochsAreNotPasses) {
  const Data d = make_data();
  expect_resume_is_exact([&](Model& m, int64_t epochs, int64_t initial, std::vector<CallbackPtr> cbs) {
    auto flow = make_flow(d);
    Sequence& seq = *flow;
    return m.fit_generator(seq, {.steps_per_epoch = kSteps, .epochs = epochs, .verbose = 0, .callbacks = cbs,
                                 .workers = 2, .initial_epoch = initial});
  });
}

TEST(ResumeExact, FitGeneratorOverAGeneratorSeeksItsPosition) {
  const Data d = make_data();
  expect_resume_is_exact([&](Model& m, int64_t epochs, int64_t initial, std::vector<CallbackPtr> cbs) {
    auto flow = make_flow(d);
    Generator& gen = *flow;
    return m.fit_generator(gen, {.steps_per_epoch = kSteps, .epochs = epochs, .verbose = 0, .callbacks = cbs,
                                 .workers = 1, .initial_epoch = initial});
  });
}

TEST(ResumeExact, FitOnArraysWithStepsPerEpoch) {
  const Data d = make_data();
  expect_resume_is_exact([&](Model& m, int64_t epochs, int64_t initial, std::vector<CallbackPtr> cbs) {
    return m.fit(d.x, d.y, {.batch_size = kBatch, .epochs = epochs, .verbose = 0, .callbacks = cbs,
                            .initial_epoch = initial, .steps_per_epoch = kSteps, .seed = 9});
  });
}

// Each callback's state survives state() -> model file -> restore().
TEST(CallbackState, RoundTripsThroughAModelFile) {
  testing::TempDir tmp;
  Sequential m = make_model();
  CallbackState es{.values = {{"wait", 2}, {"best", 0.25}, {"stopped_epoch", 0}}, .tensors = m.get_weights()};
  CallbackState plateau{.values = {{"best", std::numeric_limits<double>::infinity()}, {"wait", 1}, {"cooldown_counter", 3}}};
  m.set_callback_states({{"EarlyStopping", es}, {"ReduceLROnPlateau", plateau}});
  m.save(tmp.path() / "m.petal");
  const CallbackStates back = load_model(tmp.path() / "m.petal").callback_states();
  ASSERT_EQ(back.size(), 2u);
  EXPECT_EQ(back.at("ReduceLROnPlateau").values, plateau.values);
  EXPECT_EQ(back.at("EarlyStopping").values, es.values);
  ASSERT_EQ(back.at("EarlyStopping").tensors.size(), es.tensors.size());
  for (size_t i = 0; i < es.tensors.size(); ++i) {
    EXPECT_EQ(back.at("EarlyStopping").tensors[i].shape(), es.tensors[i].shape());
    EXPECT_EQ(max_abs_diff(back.at("EarlyStopping").tensors[i], es.tensors[i]), 0.0f);
  }
}

template <typename C>
void expect_round_trip(C& trained, C& fresh, Model& m) {
  trained.set_model(&m);
  fresh.set_model(&m);
  Logs logs;
  fresh.on_train_begin(logs);
  fresh.restore(trained.state());
  EXPECT_EQ(fresh.state().values, trained.state().values) << trained.state_key();
}

TEST(CallbackState, EachCallbackRestoresWhatItSaved) {
  Sequential m = make_model();
  auto drive = [&](Callback& cb, std::vector<double> values) {
    cb.set_model(&m);
    Logs begin;
    cb.on_train_begin(begin);
    for (size_t e = 0; e < values.size(); ++e) {
      Logs l{{"val_loss", values[e]}};
      cb.on_epoch_end(static_cast<int64_t>(e), l);
    }
  };
  EarlyStopping es({.patience = 5, .restore_best_weights = true}), es2({.patience = 5});
  drive(es, {1.0, 0.5, 0.7, 0.8});
  EXPECT_EQ(es.state().values.at("wait"), 2);
  EXPECT_EQ(es.state().values.at("best"), 0.5);
  EXPECT_EQ(es.state().tensors.size(), m.get_weights().size());
  expect_round_trip(es, es2, m);
  ReduceLROnPlateau p({.patience = 5, .cooldown = 2}), p2({.patience = 5});
  drive(p, {1.0, 0.5, 0.7});
  EXPECT_EQ(p.state().values.at("wait"), 1);
  expect_round_trip(p, p2, m);
  testing::TempDir tmp;
  ModelCheckpoint c({.filepath = (tmp.path() / "c.petal").string(), .save_best_only = true, .period = 3});
  ModelCheckpoint c2({.filepath = (tmp.path() / "c.petal").string(), .save_best_only = true, .period = 3});
  drive(c, {1.0, 0.5, 0.7, 0.2});
  EXPECT_EQ(c.state().values.at("best"), 0.7);  // checked at epoch 3 (period 3) only, not at 0.2
  EXPECT_EQ(c.state().values.at("since_last_save"), 1);
  expect_round_trip(c, c2, m);
}

TEST(CallbackState, CsvLoggerKeepsTheRowsOfCompletedEpochsAndAppends) {
  testing::TempDir tmp;
  const auto csv = tmp.path() / "log.csv";
  std::ofstream(csv) << "epoch,loss\n0,1.0\n1,0.5\n2,0.25\n";  // epoch 2 written after the model was saved
  Sequential m = make_model();
  m.set_epochs_completed(2);
  CSVLogger logger(csv);
  logger.set_model(&m);
  Logs l;
  logger.on_train_begin(l);
  logger.restore({});
  Logs e{{"loss", 0.125}};
  logger.on_epoch_end(2, e);
  logger.on_train_end(l);
  EXPECT_EQ(read(csv), "epoch,loss\n0,1.0\n1,0.5\n2,0.125\n");
}

}  // namespace
}  // namespace petal
