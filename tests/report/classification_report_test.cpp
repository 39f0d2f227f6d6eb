// classification_report matches scikit-learn: hand-computed metrics, sklearn's
// documented text layout, and the tutorial's published 17-class report.
#include "petal/report/classification_report.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "petal/core/error.h"

namespace petal {
namespace {

using ::testing::HasSubstr;
using ::testing::ThrowsMessage;

// ant, bee: ordinary; cricket: never predicted; dragonfly: no true samples.
const std::vector<std::string> kInsects = {"ant", "bee", "cricket", "dragonfly"};
const std::vector<int> kInsectTrue = {0, 0, 0, 1, 1, 1, 2, 2};
const std::vector<int> kInsectPred = {0, 0, 1, 1, 1, 3, 0, 1};

TEST(ClassificationReport, HandComputedWithUnpredictedAndUnsupportedClasses) {
  const auto r = classification_report(kInsectTrue, kInsectPred, kInsects);
  ASSERT_EQ(r.per_class.size(), 4u);
  const double third = 1.0 / 3.0;
  EXPECT_DOUBLE_EQ(r.per_class[0].precision, 2 * third);  // 2 of 3 predicted ants
  EXPECT_DOUBLE_EQ(r.per_class[0].recall, 2 * third);
  EXPECT_DOUBLE_EQ(r.per_class[1].precision, 0.5);  // 2 of 4 predicted bees
  EXPECT_DOUBLE_EQ(r.per_class[1].f1, 4.0 / 7.0);   // 2PR/(P+R) = 2(.5)(2/3)/(7/6)
  EXPECT_EQ(r.per_class[2].precision, 0.0);         // 0/0 -> 0.0
  EXPECT_EQ(r.per_class[3].recall, 0.0);            // 0/0 -> 0.0
  EXPECT_EQ(r.per_class[3].support, 0);
  EXPECT_DOUBLE_EQ(r.accuracy, 0.5);
  EXPECT_DOUBLE_EQ(r.macro_avg.precision, (2 * third + 0.5) / 4);
  EXPECT_DOUBLE_EQ(r.macro_avg.recall, (4 * third) / 4);
  EXPECT_DOUBLE_EQ(r.weighted_avg.precision, (3 * 2 * third + 3 * 0.5) / 8);
  EXPECT_DOUBLE_EQ(r.weighted_avg.f1, (3 * 2 * third + 3 * 4.0 / 7.0) / 8);
  EXPECT_EQ(r.macro_avg.support, 8);
  const ConfusionMatrix expected = {{2, 1, 0, 0}, {0, 2, 0, 1}, {1, 1, 0, 0}, {0, 0, 0, 0}};
  EXPECT_EQ(r.confusion, expected);
  ASSERT_EQ(r.warnings.size(), 2u);
  EXPECT_THAT(r.warnings[0], HasSubstr("Precision is ill-defined"));
  EXPECT_THAT(r.warnings[0], HasSubstr("'cricket'"));
  EXPECT_THAT(r.warnings[1], HasSubstr("Recall is ill-defined"));
  EXPECT_THAT(r.warnings[1], HasSubstr("'dragonfly'"));
}

TEST(ClassificationReport, TextMatchesSklearnLayout) {
  const auto r = classification_report(kInsectTrue, kInsectPred, kInsects);
  // sklearn's format strings applied to the hand-computed values above
  // (weighted precision 0.4375 rounds half-to-even to 0.44, as Python does).
  EXPECT_EQ(format_classification_report(r),
            "              precision    recall  f1-score   support\n"
            "\n"
            "         ant       0.67      0.67      0.67         3\n"
            "         bee       0.50      0.67      0.57         3\n"
            "     cricket       0.00      0.00      0.00         2\n"
            "   dragonfly       0.00      0.00      0.00         0\n"
            "\n"
            "    accuracy                           0.50         8\n"
            "   macro avg       0.29      0.33      0.31         8\n"
            "weighted avg       0.44      0.50      0.46         8\n");
  EXPECT_EQ(format_classification_report(r, 4),
            "              precision    recall  f1-score   support\n"
            "\n"
            "         ant     0.6667    0.6667    0.6667         3\n"
            "         bee     0.5000    0.6667    0.5714         3\n"
            "     cricket     0.0000    0.0000    0.0000         2\n"
            "   dragonfly     0.0000    0.0000    0.0000         0\n"
            "\n"
            "    accuracy                         0.5000         8\n"
            "   macro avg     0.2917    0.3333    0.3095         8\n"
            "weighted avg     0.4375    0.5000    0.4643         8\n");
}

TEST(ClassificationReport, SklearnDocstringExample) {
  // The example printed in sklearn.metrics.classification_report's docstring.
  const auto r = classification_report({0, 1, 2, 2, 2}, {0, 0, 2, 2, 1},
                                       {"class 0", "class 1", "class 2"});
  EXPECT_EQ(format_classification_report(r),
            "              precision    recall  f1-score   support\n"
            "\n"
            "     class 0       0.50      1.00      0.67         1\n"
            "     class 1       0.00      0.00      0.00         1\n"
            "     class 2       1.00      0.67      0.80         3\n"
            "\n"
            "    accuracy                           0.60         5\n"
            "   macro avg       0.50      0.56      0.49         5\n"
            "weighted avg       0.70      0.60      0.61         5\n");
  EXPECT_TRUE(r.warnings.empty());
}

TEST(ClassificationReport, NameColumnWidensForLongNames) {
  const auto r = classification_report({0, 1, 1}, {0, 1, 1}, {"x", "a_really_long_name"});
  EXPECT_EQ(format_classification_report(r),
            "                    precision    recall  f1-score   support\n"
            "\n"
            "                 x       1.00      1.00      1.00         1\n"
            "a_really_long_name       1.00      1.00      1.00         2\n"
            "\n"
            "          accuracy                           1.00         3\n"
            "         macro avg       1.00      1.00      1.00         3\n"
            "      weighted avg       1.00      1.00      1.00         3\n");
}

// A confusion matrix consistent with the tutorial's report (keras-reference §1.5):
// the diagonal and column sums are the only (tp, predicted) pairs that round to
// every published precision/recall/F1 for the published supports; the
// off-diagonal placement is one arbitrary completion (it does not affect the report).
const std::vector<std::string> kFlowers = {
    "bluebell", "buttercup", "coltsfoot", "cowslip",    "crocus",   "daffodil",
    "daisy",    "dandelion", "fritillary", "iris",      "lilyvalley", "pansy",
    "snowdrop", "sunflower", "tigerlily", "tulip",      "windflower"};
const ConfusionMatrix kTutorialConfusion = {
    {17, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1, 1, 1, 0, 0, 0},
    {0, 11, 1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0},
    {0, 0, 16, 0, 2, 0, 1, 0, 0, 0, 0, 0, 0, 1, 0, 1, 0},
    {1, 0, 1, 8, 3, 1, 0, 1, 0, 0, 0, 0, 0, 0, 1, 3, 1},
    {0, 1, 2, 0, 21, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0},
    {1, 0, 3, 0, 7, 9, 1, 1, 0, 0, 0, 0, 1, 0, 0, 4, 0},
    {0, 0, 0, 0, 0, 0, 17, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0},
    {0, 0, 0, 2, 0, 0, 0, 15, 0, 0, 0, 0, 0, 0, 0, 1, 0},
    {0, 1, 0, 1, 1, 0, 0, 0, 17, 0, 0, 0, 1, 0, 0, 1, 0},
    {1, 1, 2, 0, 0, 0, 0, 1, 0, 18, 0, 0, 0, 0, 0, 1, 0},
    {1, 0, 1, 0, 2, 0, 0, 1, 0, 0, 12, 0, 0, 0, 0, 2, 3},
    {0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 16, 0, 0, 1, 0, 0},
    {1, 1, 3, 0, 1, 0, 2, 0, 0, 0, 0, 0, 11, 0, 0, 3, 0},
    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 18, 0, 0, 0},
    {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 13, 0, 0},
    {3, 1, 0, 0, 2, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 8, 0},
    {2, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 17}};

// Label vectors realising a confusion matrix, in a scrambled order.
void expand(const ConfusionMatrix& cm, std::vector<int>& y_true, std::vector<int>& y_pred) {
  for (size_t t = 0; t < cm.size(); ++t)
    for (size_t p = 0; p < cm.size(); ++p)
      for (int64_t n = 0; n < cm[t][p]; ++n) {
        y_true.push_back(static_cast<int>(t));
        y_pred.push_back(static_cast<int>(p));
      }
  for (size_t i = 0; i + 7 < y_true.size(); i += 3) {
    std::swap(y_true[i], y_true[i + 7]);
    std::swap(y_pred[i], y_pred[i + 7]);
  }
}

TEST(ClassificationReport, ReproducesTheTutorialReport) {
  std::vector<int> y_true, y_pred;
  expand(kTutorialConfusion, y_true, y_pred);
  ASSERT_EQ(y_true.size(), 340u);
  const auto r = classification_report(y_true, y_pred, kFlowers);
  EXPECT_EQ(r.confusion, kTutorialConfusion);
  // The table of keras-reference.md §1.5 in sklearn's layout.
  EXPECT_EQ(format_classification_report(r),
            "              precision    recall  f1-score   support\n"
            "\n"
            "    bluebell       0.63      0.81      0.71        21\n"
            "   buttercup       0.69      0.73      0.71        15\n"
            "   coltsfoot       0.55      0.76      0.64        21\n"
            "     cowslip       0.73      0.40      0.52        20\n"
            "      crocus       0.53      0.88      0.66        24\n"
            "    daffodil       0.82      0.33      0.47        27\n"
            "       daisy       0.77      0.94      0.85        18\n"
            "   dandelion       0.71      0.83      0.77        18\n"
            "  fritillary       1.00      0.77      0.87        22\n"
            "        iris       0.95      0.75      0.84        24\n"
            "  lilyvalley       0.92      0.55      0.69        22\n"
            "       pansy       0.89      0.89      0.89        18\n"
            "    snowdrop       0.69      0.50      0.58        22\n"
            "   sunflower       0.90      1.00      0.95        18\n"
            "   tigerlily       0.87      0.93      0.90        14\n"
            "       tulip       0.33      0.50      0.40        16\n"
            "  windflower       0.81      0.85      0.83        20\n"
            "\n"
            "    accuracy                           0.72       340\n"
            "   macro avg       0.75      0.73      0.72       340\n"
            "weighted avg       0.76      0.72      0.71       340\n");
}

TEST(ClassificationReport, LabelsAgreeWithTextbookFormulasOnTheMatrix) {
  std::vector<int> y_true, y_pred;
  expand(kTutorialConfusion, y_true, y_pred);
  const auto r = classification_report(y_true, y_pred, kFlowers);
  const size_t k = kFlowers.size();
  double macro_f1 = 0, weighted_recall = 0, diag = 0;
  for (size_t c = 0; c < k; ++c) {
    double row = 0, col = 0;
    for (size_t j = 0; j < k; ++j) row += kTutorialConfusion[c][j], col += kTutorialConfusion[j][c];
    const double tp = kTutorialConfusion[c][c], p = tp / col, rc = tp / row;
    const double f1 = 2 * p * rc / (p + rc);
    EXPECT_NEAR(r.per_class[c].precision, p, 1e-12) << kFlowers[c];
    EXPECT_NEAR(r.per_class[c].recall, rc, 1e-12) << kFlowers[c];
    EXPECT_NEAR(r.per_class[c].f1, f1, 1e-12) << kFlowers[c];
    EXPECT_EQ(r.per_class[c].support, static_cast<int64_t>(row));
    macro_f1 += f1 / k;
    weighted_recall += rc * row / 340.0;
    diag += tp;
  }
  EXPECT_NEAR(r.macro_avg.f1, macro_f1, 1e-12);
  EXPECT_NEAR(r.weighted_avg.recall, weighted_recall, 1e-12);
  EXPECT_NEAR(r.weighted_avg.recall, r.accuracy, 1e-12);  // always true: sum tp / N
  EXPECT_DOUBLE_EQ(r.accuracy, diag / 340.0);
}

TEST(ClassificationReport, JsonHasEveryFieldInClassOrder) {
  const auto r = classification_report(kInsectTrue, kInsectPred, kInsects);
  const auto j = nlohmann::ordered_json::parse(classification_report_json(r));
  EXPECT_DOUBLE_EQ(j.at("accuracy").get<double>(), 0.5);
  const auto& per_class = j.at("per_class");
  ASSERT_EQ(per_class.size(), 4u);
  EXPECT_EQ(per_class.begin().key(), "ant");
  EXPECT_DOUBLE_EQ(per_class.at("bee").at("f1").get<double>(), 4.0 / 7.0);
  EXPECT_EQ(per_class.at("dragonfly").at("support").get<int64_t>(), 0);
  EXPECT_DOUBLE_EQ(j.at("macro_avg").at("recall").get<double>(), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(j.at("weighted_avg").at("precision").get<double>(), 0.4375);
  EXPECT_EQ(j.at("weighted_avg").at("support").get<int64_t>(), 8);
  EXPECT_EQ(j.at("confusion_matrix").get<ConfusionMatrix>(), r.confusion);
}

TEST(ClassificationReport, FromConfusionMatrixEqualsFromLabels) {
  std::vector<int> y_true, y_pred;
  expand(kTutorialConfusion, y_true, y_pred);
  EXPECT_EQ(format_classification_report(classification_report(kTutorialConfusion, kFlowers)),
            format_classification_report(classification_report(y_true, y_pred, kFlowers)));
}

TEST(ClassificationReport, BadInputsThrowWithWhatWasReceived) {
  EXPECT_THAT([] { classification_report({0, 1}, {0}, {"a", "b"}); },
              ThrowsMessage<ShapeError>(HasSubstr("received 2 and 1")));
  EXPECT_THAT([] { classification_report({0, 1}, {0, 2}, {"a", "b"}); },
              ThrowsMessage<DataError>(HasSubstr("received y_pred[1] = 2")));
  EXPECT_THAT([] { classification_report({0}, {0}, {"a", "a"}); },
              ThrowsMessage<ConfigError>(HasSubstr("received 'a' twice")));
  EXPECT_THAT([] { classification_report({}, {}, {"a"}); },
              ThrowsMessage<DataError>(HasSubstr("at least one sample")));
  EXPECT_THAT([] { classification_report(ConfusionMatrix{{1, 0}}, {"a", "b"}); },
              ThrowsMessage<ShapeError>(HasSubstr("received 1")));
}

}  // namespace
}  // namespace petal
