// petal on hostile and odd input: crafted model files, sizes beyond memory,
// decompression bombs, truncated and unsupported images, names that are not
// UTF-8, binary CSV bytes, symbolic-link loops and float16 arrays. Each gives one
// clear line (exit 1) or works; never "internal error" nor raw bytes.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "cli/cli_test_base.h"
#include "petal/io/npy.h"
#include "petal/io/npz.h"
#include "petal/model/sequential.h"
#include "testing/temp_dir.h"

namespace petal {
namespace {

using cli_testing::run_petal;
using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;
namespace fs = std::filesystem;

class CliHostile : public cli_testing::CliTest {
 protected:
  // One epoch from `d`.
  std::vector<std::string> train_from(const fs::path& d, std::vector<std::string> more = {}) const {
    more.insert(more.begin(), {"--epochs", "1"});
    return train_args(more, d);
  }
};

// Exit 1, one line naming `what` first, and nothing a terminal would act on.
void expect_clean_failure(const cli_testing::CliResult& r, const std::vector<std::string>& parts) {
  EXPECT_EQ(r.rc, 1) << r.err;
  const std::string first = r.err.substr(0, r.err.find('\n'));
  for (const auto& p : parts) EXPECT_THAT(first, HasSubstr(p)) << r.err;
  EXPECT_THAT(r.err, AllOf(Not(HasSubstr("internal error")), Not(HasSubstr("json.exception")),
                           Not(HasSubstr("bad_alloc")), Not(HasSubstr("OpenCV(")), Not(HasSubstr("\x1b"))));
}

TEST_F(CliHostile, CraftedModelFilesNameTheFileAndTheField) {
  ASSERT_EQ(run_petal(train_from(data())).rc, 0);
  const fs::path good = out() / "model_last.petal";
  const auto craft = [&](const std::string& name, const std::function<void(nlohmann::json&)>& edit) {
    NamedArrays arrays = load_npz(good);
    for (auto& [n, a] : arrays) {
      if (n != "petal_model.json") continue;
      auto j = nlohmann::json::parse(a.to_string());
      edit(j);
      a = NpyArray::from_string(j.dump());
    }
    const fs::path p = tmp.path() / name;
    save_npz(p, arrays);
    return p;
  };
  const std::vector<std::pair<fs::path, std::string>> cases = {
      {craft("no_layers.petal", [](auto& j) { j.erase("layers"); }), "'layers'"},
      {craft("no_config.petal", [](auto& j) { j["layers"][0].erase("config"); }), "'layers[0].config'"},
      {craft("number.petal", [](auto& j) { j["layers"][0]["type"] = 7; }), "'layers[0].type'"},
      {craft("not_list.petal", [](auto& j) { j["layers"] = "Conv2D"; }), "'layers'"},
      {craft("unknown_layer.petal", [](auto& j) { j["layers"][0]["type"] = "Conv3D"; }), "'layers[0].type'"},
      {craft("unknown_opt.petal", [](auto& j) { j["optimizer"]["name"] = "Lion"; }), "'optimizer.name'"},
      {craft("negative.petal", [](auto& j) { j["input_shape"] = {8, -8, 3}; }), "'input_shape[1]'"},
      {craft("huge.petal", [](auto& j) { j["input_shape"] = {1 << 20, 1 << 20, 3}; }), "'input_shape'"},
  };
  for (const auto& [file, field] : cases) {
    expect_clean_failure(run_petal({"summary", "--model", file.string()}), {file.string(), field});
  }
  // An empty optimizer/iterations array (the archive, not the description).
  NamedArrays arrays = load_npz(good);
  for (auto& [n, a] : arrays) {
    if (n == "optimizer/iterations") a = NpyArray::from_int64({0}, {});
  }
  save_npz(tmp.path() / "empty_iterations.petal", arrays);
  expect_clean_failure(run_petal({"summary", "--model", (tmp.path() / "empty_iterations.petal").string()}),
                       {"empty_iterations.petal", "'optimizer/iterations'"});
}

TEST_F(CliHostile, SizesBeyondMemoryAreRefusedWithTheEstimate) {
  const auto summary = run_petal({"summary", "--model", "minivggnet", "--input-shape", "1048576,1048576,3"});
  expect_clean_failure(summary, {"building minivggnet", "needs about", "this machine has"});
  EXPECT_THAT(summary.err, HasSubstr("Hint: a smaller --input-shape"));
  const auto train = run_petal(train_from(data(), {"--model", "vgg_bn", "--image-size", "4096"}));
  expect_clean_failure(train, {"training vgg_bn on 4096x4096 images in batches of", "needs about", "TiB"});
}

TEST_F(CliHostile, DecompressionBombsAndTruncatedImagesAreListedOrLeftOut) {
  // A 65535 x 65535 PNG header, a truncated JPEG and a truncated PNG among good images.
  std::vector<uint8_t> bomb = {0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 13, 'I', 'H', 'D', 'R',
                               0, 0, 0xFF, 0xFF, 0, 0, 0xFF, 0xFF, 8, 2, 0, 0, 0, 0, 0, 0, 0,  // CRC unchecked
                               0, 0, 0, 0, 'I', 'E', 'N', 'D', 0xAE, 0x42, 0x60, 0x82};
  std::ofstream(data() / "a" / "bomb.png", std::ios::binary).write(reinterpret_cast<const char*>(bomb.data()),
                                                                    static_cast<std::streamsize>(bomb.size()));
  Rng rng(2);
  write_image((data() / "b" / "whole.jpg").string(), cli_testing::noisy_image(1, 32, rng));
  const std::string jpg = cli_testing::read_text(data() / "b" / "whole.jpg");
  std::ofstream(data() / "b" / "cut.jpg", std::ios::binary) << jpg.substr(0, jpg.size() * 2 / 3);
  const std::string png = cli_testing::read_text(data() / "a" / "img_10.png");
  std::ofstream(data() / "a" / "cut.png", std::ios::binary) << png.substr(0, png.size() - 30);

  const auto refused = run_petal(train_from(data()));
  expect_clean_failure(refused, {"3 of 12 image files cannot be used"});
  EXPECT_THAT(refused.err, AllOf(HasSubstr("bomb.png: the PNG header declares 65535x65535"),
                                 HasSubstr("cut.jpg: image file is truncated"),
                                 HasSubstr("cut.png: image file is truncated"), HasSubstr("--on-bad-image skip")));

  const auto skipped = run_petal(train_from(data(), {"--on-bad-image", "skip"}));
  ASSERT_EQ(skipped.rc, 0) << skipped.err;
  const std::string log = cli_testing::read_text(out() / "train.log");
  EXPECT_THAT(log, AllOf(HasSubstr("3 image file(s) left out or kept truncated (--on-bad-image skip)"),
                         HasSubstr("bomb.png"), HasSubstr("cut.jpg"), HasSubstr("cut.png")));
  // ... and listed again at the end of the run, after the report line.
  EXPECT_LT(log.find("test accuracy"), log.rfind("cut.jpg"));

  const auto warned = run_petal(train_from(data(), {"--on-bad-image", "warn", "--overwrite"}));
  ASSERT_EQ(warned.rc, 0) << warned.err;
  EXPECT_THAT(cli_testing::read_text(out() / "train.log"),
              AllOf(HasSubstr("cut.jpg: image file is truncated; kept as far as it decodes"),
                    HasSubstr("bomb.png: the PNG header declares")));
}

TEST_F(CliHostile, FilesThatAreNotImagesAreCountedAndNamed) {
  std::ofstream(data() / "a" / "anim.gif") << "GIF89a";
  std::ofstream(data() / "b" / "notes.txt") << "hello";
  std::ofstream(data() / "b" / "more.gif") << "GIF89a";
  const auto r = run_petal(train_from(data()));
  ASSERT_EQ(r.rc, 0) << r.err;
  EXPECT_THAT(cli_testing::read_text(out() / "train.log"),
              AllOf(HasSubstr("skipped 3 file(s) in the class folders that are not images petal reads"),
                    HasSubstr(".gif: 2, .txt: 1")));
}

TEST_F(CliHostile, NamesThatAreNotUtf8TrainAndRoundTrip) {
  const fs::path odd = tmp.path() / "odd";
  cli_testing::write_class_folders(odd, {"caf\xe9", "b\xff\\x41", "\xc3\xa9t\xc3\xa9"}, 4, 8);
  const auto r = run_petal(train_from(odd));
  ASSERT_EQ(r.rc, 0) << r.err;
  const std::string config = cli_testing::read_text(out() / "config.json");
  const auto j = nlohmann::json::parse(config);  // strict: valid UTF-8 throughout
  EXPECT_EQ(j["run"]["class_names"], nlohmann::json({"b\\xff\\\\x41", "caf\\xe9", "\xc3\xa9t\xc3\xa9"}));
  EXPECT_THAT(cli_testing::read_text(out() / "report.json"), HasSubstr("caf\\\\xe9"));
  // evaluate maps the data's raw folder names to the run's escaped ones.
  const auto e = run_petal({"evaluate", "--model", (out() / "model.petal").string(), "--data", odd.string(),
                            "--subset", "all"});
  EXPECT_EQ(e.rc, 0) << e.err;
  EXPECT_THAT(e.out, AllOf(HasSubstr("caf\\xe9"), Not(HasSubstr("caf\xe9 "))));
}

TEST_F(CliHostile, BytesFromFilesAreEscapedInMessages) {
  const fs::path csv = tmp.path() / "pixels.csv";
  std::ofstream(csv) << "a,1,2,3\nb,4,\x1b[2J\x07,6\n";
  const auto r = run_petal(train_from(csv, {"--image-size", "1"}));
  expect_clean_failure(r, {"pixels.csv"});
  EXPECT_THAT(r.err, HasSubstr("\\x1b[2J\\x07"));
}

TEST_F(CliHostile, SymbolicLinkLoopsAreNamedAsSuch) {
  fs::create_symlink(tmp.path() / "loop", tmp.path() / "loop");
  expect_clean_failure(run_petal(train_from(tmp.path() / "loop")), {"loop of symbolic links"});
  fs::create_symlink(tmp.path() / "nowhere", tmp.path() / "dangling");
  expect_clean_failure(run_petal(train_from(tmp.path() / "dangling")), {"symbolic link to a missing target"});
}

TEST_F(CliHostile, Float16ArraysArePredicted) {
  ASSERT_EQ(run_petal(train_from(data())).rc, 0);
  // [2, 8, 8, 3] float16 from raw bits: 0x5000 is 32.0.
  std::vector<std::byte> bits(2 * 8 * 8 * 3 * 2);
  for (size_t i = 0; i < bits.size(); i += 2) bits[i + 1] = std::byte{0x50};
  save_npy(tmp.path() / "x16.npy", NpyArray(DType::Float16, {2, 8, 8, 3}, bits));
  const auto r = run_petal({"predict", "--model", (out() / "model.petal").string(), "--npy",
                            (tmp.path() / "x16.npy").string(), "--out", (tmp.path() / "p.npy").string()});
  EXPECT_EQ(r.rc, 0) << r.err;
  EXPECT_EQ(load_npy(tmp.path() / "p.npy").shape(), (Shape{2, 2}));
}

}  // namespace
}  // namespace petal
