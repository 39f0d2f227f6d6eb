// Classifies an image with a petal model exported to ONNX, using OpenCV's dnn module
// alone: petal export --model RUN/model.petal --onnx m.onnx --onnx-layout nchw
#include <iostream>
#include <opencv2/dnn.hpp>
#include <opencv2/imgcodecs.hpp>

int main(int argc, char** argv) try {
  if (argc != 4) throw std::invalid_argument("usage: example_onnx_opencv MODEL.onnx IMAGE SIZE");
  cv::dnn::Net net = cv::dnn::readNetFromONNX(argv[1]);
  const cv::Mat image = cv::imread(argv[2]);  // BGR
  if (image.empty()) throw std::invalid_argument(std::string("cannot read the image ") + argv[2]);
  // As petal trains by default: RGB, resized to SIZE x SIZE, pixels * 1/255 (--rescale).
  const int size = std::stoi(argv[3]);
  net.setInput(cv::dnn::blobFromImage(image, 1.0 / 255, cv::Size(size, size), cv::Scalar(), /*swapRB=*/true));
  const cv::Mat probabilities = net.forward().reshape(1, 1);
  double p = 0;
  cv::Point best;
  cv::minMaxLoc(probabilities, nullptr, &p, nullptr, &best);
  std::cout << "class " << best.x << " (probability " << p << ")\n";
} catch (const std::exception& e) {  // cv::Exception included
  std::cerr << "example_onnx_opencv: " << e.what() << "\n";
  return 1;
}
