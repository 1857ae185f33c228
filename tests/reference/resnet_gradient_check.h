#pragma once

namespace reference {

// Compares ResNet-20's backward pass with central finite differences of the mean loss on a batch of four
// random 28x28 images, for sampled entries of the first conv, a stage-1 conv, the stride-2 3x3 conv and
// the 1x1 projection of stage 2, a stage-3 conv, the classifier's weights and bias, and the scale and
// shift of two batch norms. Prints one line per tensor; returns whether every relative error (the norm
// of the difference over the norm of the gradients, over the sampled entries) is below 5%.
bool resnetGradientCheck(unsigned long seed);

}  // namespace reference
