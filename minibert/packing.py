"""Skipping padding: the real tokens of a padded batch side by side, (B, T, H) <-> (N, H).

Every part of a layer except attention works token by token (the linear maps, GELU, LayerNorm),
so it can run on the N real tokens alone instead of all B·T positions; only attention needs the
(B, T) layout, and gets it back for its few matrix products. The padding positions of the output
are then zeros (transformers computes numbers there that no one should read).
Lesson: lessons/03-encoder-and-weights.md.
"""
import torch


class Packing:
    def __init__(self, attention_mask: torch.Tensor):
        self.B, self.T = attention_mask.shape
        self.index = attention_mask.flatten().nonzero().squeeze(1)  # (N,) flat positions of real tokens

    def pack(self, x: torch.Tensor) -> torch.Tensor:
        """(B, T, ...) -> (N, ...): padding dropped."""
        return x.reshape(self.B * self.T, *x.shape[2:]).index_select(0, self.index)

    def unpack(self, x: torch.Tensor) -> torch.Tensor:
        """(N, ...) -> (B, T, ...): zeros where the padding was."""
        out = x.new_zeros(self.B * self.T, *x.shape[1:])
        return out.index_copy(0, self.index, x).view(self.B, self.T, *x.shape[1:])
