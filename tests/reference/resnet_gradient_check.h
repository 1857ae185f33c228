#pragma once

namespace reference {

// Compares the backward passes with central finite differences, in double precision (the layers are
// templates on the scalar; training runs them in float): each layer alone (a 3x3 conv of stride 2 with
// padding, a 1x1 conv of stride 2, batch norm, a residual block with a projection and one with the
// identity, pooling with the classifier) under a random linear readout of its output, then ResNet-20's
// mean cross-entropy on two random 14x14 images. Checks sampled entries of the inputs' and parameters'
// gradients; prints one line per tensor and returns whether every relative error (the norm of the
// difference over the larger norm of the two gradients, over the sampled entries) is below 1e-6.
bool resnetGradientCheck(unsigned long seed);

}  // namespace reference
