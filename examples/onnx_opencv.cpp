// Classifies an image with a petal model exported to ONNX, using OpenCV's dnn module
// alone: petal export --model RUN/model.petal --onnx m.onnx --onnx-layout nchw
#include <iostream>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>

int main(int argc, char** argv) try {
  if (argc != 4 && argc != 5) throw std::invalid_argument("usage: example_onnx_opencv MODEL.onnx IMAGE SIZE [SCALE]");
  cv::dnn::Net net = cv::dnn::readNetFromONNX(argv[1]);
  const cv::Mat image = cv::imread(argv[2]);  // BGR
  if (image.empty()) throw std::invalid_argument(std::string("cannot read the image ") + argv[2]);
  // As petal trained it: RGB, SIZE x SIZE, pixels * SCALE (--rescale: 1/255, or 1 for the tutorial's raw pixels).
  const int size = std::stoi(argv[3]);
  const double scale = argc == 5 ? std::stod(argv[4]) : 1.0 / 255;
  net.setInput(cv::dnn::blobFromImage(image, scale, cv::Size(size, size), cv::Scalar(), /*swapRB=*/true));
  const cv::Mat probabilities = net.forward().reshape(1, 1);
  double p = 0;
  cv::Point best;
  cv::minMaxLoc(probabilities, nullptr, &p, nullptr, &best);
  std::cout << "class " << best.x << " (probability " << p << ")\n";
} catch (const std::exception& e) {  // cv::Exception included
  std::cerr << "example_onnx_opencv: " << e.what() << "\n";
  return 1;
}
