"""Heads on top of the encoder: pretraining (MLM + NSP) and the usual fine-tuning tasks.

The MLM decoder is *tied* to the word embeddings (the same tensor, transposed use) with its own
bias, unless the config says `tie_word_embeddings: false`: then it is a matrix of its own.
`only_masked=True` evaluates it at the labelled positions only -- Google's original pretraining
does this; HF computes logits for every position -- and the last encoder layer, too, computes
only the rows that are read ([CLS] and the masked positions; every token still serves as a key
and a value), which gives the same loss and gradients for less work. Lesson: lessons/04-pretraining.md.
"""
from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import nn

from .config import BertConfig
from .dropout import Dropout
from .feedforward import ACT_FN
from .linear import Linear
from .losses import linear_cross_entropy
from .model import BertModel, init_weights
from .outputs import ClassifierOutput, MaskedLMOutput, PreTrainingOutput, QuestionAnsweringOutput
from .weights import PretrainedMixin


class MLMHead(nn.Module):
    """h -> LayerNorm(act(W·h + b)) -> E·t + bias, with E the word-embedding matrix."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.transform = Linear(config.hidden_size, config.hidden_size)
        self.act = ACT_FN[config.hidden_act]
        self.norm = nn.LayerNorm(config.hidden_size, eps=config.layer_norm_eps)
        self.bias = nn.Parameter(torch.zeros(config.vocab_size))
        # an untied decoder (V, H) of its own; tied (the default), the word embeddings serve
        self.decoder = None if config.tie_word_embeddings else \
            nn.Parameter(torch.empty(config.vocab_size, config.hidden_size).normal_(0.0, config.initializer_range))

    def forward(self, hidden: torch.Tensor, word_embeddings: torch.Tensor, labels: torch.Tensor | None = None):
        """The logits (..., V); given labels (M,) for hidden (M, H), (logits, mean cross-entropy)."""
        t = self.norm(self.act(self.transform(hidden)))  # (..., H)
        decoder = word_embeddings if self.decoder is None else self.decoder
        if labels is not None:
            return linear_cross_entropy(t, decoder, self.bias, labels)  # losses.py: one step, fewer passes
        return F.linear(t, decoder, self.bias)            # (..., V)


def classifier_layers(config: BertConfig) -> tuple[Dropout, Linear]:
    """Dropout (classifier_dropout, else hidden_dropout_prob) and a freshly initialised Linear(H, labels)."""
    p = config.classifier_dropout if config.classifier_dropout is not None else config.hidden_dropout_prob
    classifier = Linear(config.hidden_size, config.num_labels)
    init_weights(classifier, config)
    return Dropout(p), classifier


def read_rows(labels: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """labels (B, T), -100 where nothing is predicted -> rows (B, 1+K): [CLS] (position 0) then each
    sequence's labelled positions in order, padded with 0; wanted (B, K): which of rows[:, 1:] are real.
    Only these rows of the last layer are ever read (NSP reads [CLS], the MLM head the masked ones)."""
    B, T = labels.shape
    picked = labels != -100
    positions = torch.arange(T, device=labels.device).expand(B, T)
    order = torch.where(picked, positions, positions + T).sort(1).values  # labelled positions first
    K = max(1, int(picked.sum(1).max()))
    order = order[:, :K]
    wanted = order < T
    rows = torch.cat([torch.zeros_like(order[:, :1]), torch.where(wanted, order, 0)], 1)
    return rows, wanted


class BertForPreTraining(PretrainedMixin, nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.bert = BertModel(config)
        self.mlm = MLMHead(config)
        self.nsp = Linear(config.hidden_size, 2)  # 0 = B follows A, 1 = B is random
        init_weights(self.mlm, config)
        init_weights(self.nsp, config)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, position_ids=None,
                labels=None, next_sentence_label=None, only_masked: bool = False,
                output_hidden_states: bool = False, output_attentions: bool = False) -> PreTrainingOutput:
        """labels (B, T): the original id at predicted positions, -100 elsewhere. next_sentence_label (B,).

        loss = mean MLM cross-entropy over labelled positions + mean NSP cross-entropy (as HF);
        with only one kind of label given, that part alone.
        """
        if only_masked and labels is None:
            raise ValueError("only_masked=True needs labels (which positions to predict)")
        rows = None
        if only_masked and not (output_hidden_states or output_attentions):
            rows, wanted = read_rows(labels)  # the last layer computes [CLS] and the masked positions only
        out = self.bert(input_ids, attention_mask, token_type_ids, position_ids,
                        output_hidden_states, output_attentions, last_layer_rows=rows)
        hidden, word = out.last_hidden_state, self.bert.embeddings.word.weight
        if only_masked:
            picked = labels != -100
            rows_read = hidden[:, 1:][wanted] if rows is not None else hidden[picked]  # (M, H)
            logits, mlm_loss = self.mlm(rows_read, word, labels[picked])  # (M, V) and the mean loss
        else:
            logits = self.mlm(hidden, word)  # (B, T, V)
            mlm_loss = F.cross_entropy(logits.flatten(0, 1), labels.flatten()) if labels is not None else None
        nsp_logits = self.nsp(out.pooler_output)  # (B, 2)
        nsp_loss = F.cross_entropy(nsp_logits, next_sentence_label.flatten()) \
            if next_sentence_label is not None else None
        parts = [x for x in (mlm_loss, nsp_loss) if x is not None]
        loss = sum(parts) if parts else None
        return PreTrainingOutput(loss, logits, nsp_logits, out.hidden_states, out.attentions, mlm_loss, nsp_loss)


class BertForMaskedLM(PretrainedMixin, nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.bert = BertModel(config, add_pooling_layer=False)
        self.mlm = MLMHead(config)
        init_weights(self.mlm, config)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, position_ids=None, labels=None,
                output_hidden_states: bool = False, output_attentions: bool = False) -> MaskedLMOutput:
        out = self.bert(input_ids, attention_mask, token_type_ids, position_ids,
                        output_hidden_states, output_attentions)
        logits = self.mlm(out.last_hidden_state, self.bert.embeddings.word.weight)  # (B, T, V)
        loss = F.cross_entropy(logits.flatten(0, 1), labels.flatten()) if labels is not None else None
        return MaskedLMOutput(loss, logits, out.hidden_states, out.attentions)


class BertForSequenceClassification(PretrainedMixin, nn.Module):
    """Pooled [CLS] vector -> dropout -> Linear(H, num_labels), e.g. 体育/科技/娱乐 news topics."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.bert = BertModel(config)
        self.dropout, self.classifier = classifier_layers(config)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, position_ids=None, labels=None,
                output_hidden_states: bool = False, output_attentions: bool = False) -> ClassifierOutput:
        out = self.bert(input_ids, attention_mask, token_type_ids, position_ids,
                        output_hidden_states, output_attentions)
        logits = self.classifier(self.dropout(out.pooler_output))  # (B, num_labels)
        loss = None
        if labels is not None:
            kind = self.config.problem_type
            if kind is None:  # as HF decides it
                kind = "regression" if self.config.num_labels == 1 else (
                    "single_label_classification" if labels.dtype in (torch.long, torch.int) else
                    "multi_label_classification")
            if kind == "regression":
                loss = F.mse_loss(logits.squeeze(), labels.squeeze().to(logits.dtype)) \
                    if self.config.num_labels == 1 else F.mse_loss(logits, labels.to(logits.dtype))
            elif kind == "single_label_classification":
                loss = F.cross_entropy(logits.view(-1, self.config.num_labels), labels.view(-1))
            else:
                loss = F.binary_cross_entropy_with_logits(logits, labels.to(logits.dtype))
        return ClassifierOutput(loss, logits, out.hidden_states, out.attentions)


class BertForTokenClassification(PretrainedMixin, nn.Module):
    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.bert = BertModel(config, add_pooling_layer=False)
        self.dropout, self.classifier = classifier_layers(config)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, position_ids=None, labels=None,
                output_hidden_states: bool = False, output_attentions: bool = False) -> ClassifierOutput:
        out = self.bert(input_ids, attention_mask, token_type_ids, position_ids,
                        output_hidden_states, output_attentions)
        logits = self.classifier(self.dropout(out.last_hidden_state))  # (B, T, num_labels)
        loss = F.cross_entropy(logits.view(-1, self.config.num_labels), labels.view(-1)) \
            if labels is not None else None
        return ClassifierOutput(loss, logits, out.hidden_states, out.attentions)


class BertForQuestionAnswering(PretrainedMixin, nn.Module):
    """Each token's hidden state -> (start, end) logits of the answer span."""

    def __init__(self, config: BertConfig):
        super().__init__()
        self.config = config
        self.bert = BertModel(config, add_pooling_layer=False)
        self.qa_outputs = Linear(config.hidden_size, config.num_labels)
        init_weights(self.qa_outputs, config)

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, position_ids=None,
                start_positions=None, end_positions=None, output_hidden_states: bool = False,
                output_attentions: bool = False) -> QuestionAnsweringOutput:
        out = self.bert(input_ids, attention_mask, token_type_ids, position_ids,
                        output_hidden_states, output_attentions)
        start, end = self.qa_outputs(out.last_hidden_state).split(1, dim=-1)
        start, end = start.squeeze(-1).contiguous(), end.squeeze(-1).contiguous()  # (B, T) each
        loss = None
        if start_positions is not None and end_positions is not None:
            ignored = start.size(1)  # positions outside the sequence are ignored, as in HF
            s = start_positions.view(-1).clamp(0, ignored)
            e = end_positions.view(-1).clamp(0, ignored)
            loss = (F.cross_entropy(start, s, ignore_index=ignored) + F.cross_entropy(end, e, ignore_index=ignored)) / 2
        return QuestionAnsweringOutput(loss, start, end, out.hidden_states, out.attentions)
