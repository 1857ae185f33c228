#include "sparse/channel_matrix.h"

namespace ss {

namespace {
ConstMatrixMap subMatrix(const ChannelMatrix& w) {
  return ConstMatrixMap(w.values.data(), w.kept(), w.cols);
}
}  // namespace

bool ChannelMatrix::fits(const Mask& mask) {
  for (int r = 0; r < mask.rows; ++r)
    for (int c = 1; c < mask.cols; ++c)
      if (mask.at(r, c) != mask.at(r, 0)) return false;
  return true;
}

ChannelMatrix ChannelMatrix::fromMask(const Mask& mask, const Matrix& dense) {
  ChannelMatrix w;
  w.rows = mask.rows;
  w.cols = mask.cols;
  for (int r = 0; r < w.rows; ++r)
    if (w.cols > 0 && mask.at(r, 0)) w.keptRows.push_back(r);
  w.values.assign(w.keptRows.size() * size_t(w.cols), 0.0f);
  if (dense.size() > 0) MatrixMap(w.values.data(), w.kept(), w.cols) = dense(w.keptRows, Eigen::all);
  w.grads.assign(w.values.size(), 0.0f);
  return w;
}

Matrix ChannelMatrix::toDense() const {
  Matrix d = Matrix::Zero(rows, cols);
  d(keptRows, Eigen::all) = subMatrix(*this);
  return d;
}

Mask ChannelMatrix::mask() const {
  Mask m(rows, cols);
  for (int r : keptRows)
    for (int c = 0; c < cols; ++c) m.set(r, c, true);
  return m;
}

void ChannelMatrix::gatherKeptRows(const Matrix& panel, Matrix& compact) const {
  compact = panel(keptRows, Eigen::all);
}

void ChannelMatrix::multiply(const Matrix& in, Matrix& out) const {
  out.setZero(rows, in.cols());
  if (keptRows.empty()) return;
  const Matrix kept = subMatrix(*this) * in;
  out(keptRows, Eigen::all) = kept;
}

void ChannelMatrix::multiplyToRows(const Matrix& in, const Vector& bias, Matrix& outT) const {
  outT.resize(in.cols(), rows);
  outT.rowwise() = bias.transpose();
  if (keptRows.empty()) return;
  const Matrix kept = in.transpose() * subMatrix(*this).transpose();
  outT(Eigen::all, keptRows) += kept;
}

void ChannelMatrix::gradientInto(const Matrix& dOut, const Matrix& in, Matrix& compact, float* gradient) const {
  if (keptRows.empty()) return;
  gatherKeptRows(dOut, compact);
  MatrixMap(gradient, kept(), cols).noalias() = compact * in.transpose();
}

void ChannelMatrix::multiplyTransposed(const Matrix& dOut, Matrix& dIn, Matrix& compact) const {
  if (keptRows.empty()) {
    dIn.setZero(cols, dOut.cols());
    return;
  }
  gatherKeptRows(dOut, compact);
  dIn.noalias() = subMatrix(*this).transpose() * compact;
}

void ChannelMatrix::multiplyTransposedToRows(const Matrix& dOut, Matrix& dInT, Matrix& compact) const {
  if (keptRows.empty()) {
    dInT.setZero(dOut.cols(), cols);
    return;
  }
  gatherKeptRows(dOut, compact);
  dInT.noalias() = compact.transpose() * subMatrix(*this);
}

}  // namespace ss
