"""The experience GNN: heterogeneous message passing over experiences and abstractions.

Each layer follows GraphSAGE (Hamilton et al., 2017) per relation, summed over relations:

.. math::
    \\mathbf{h}_i' = \\mathrm{ReLU}\\Big(\\mathrm{LN}\\big(\\mathbf{W}_{\\tau(i)} \\mathbf{h}_i
    + \\sum_{r} \\mathbf{W}_r \\operatorname{mean}_{j \\in \\mathcal{N}_r(i)} \\mathbf{h}_j
    \\big)\\Big)

(no ReLU after the last layer)

over the relations of :mod:`absmem.graph` and their reverses. The embeddings ``h`` are what
each interaction teaches. A *situation* encoder places a request in the graph inductively,
the way a new query joins it through its FAISS neighbours:

.. math::
    \\mathbf{s}_q = \\mathrm{MLP}\\big([\\mathbf{W}_c \\mathbf{c}_q \\,\\|\\,
    \\textstyle\\sum_{j} a_{qj} \\mathbf{h}_j]\\big), \\quad a_{qj} =
    \\operatorname{softmax}_j(\\mathrm{sim}_{qj} / 0.1)

and a reward head reads how a response fares in a situation,
:math:`\\hat{r} = \\sigma(\\mathrm{MLP}([\\mathbf{s}_q \\| \\mathbf{W}_r \\mathbf{r}]))`.

Training (:func:`absmem.gnn_train.train`) is self-supervised and on outcomes: the reward of a
masked experience is predicted from its neighbourhood, and held-out edges are predicted from
the embeddings. Weights are saved as safetensors (never pickle) with their config and metrics.

Shapes:
    - experience features: ``(n, 2 * dim + 5)``, abstraction features ``(m, 2 * dim + 2)``
    - embeddings: ``(n, hidden)``; situations ``(q, hidden)``; reward logits ``(q,)``

Example:
    >>> import torch
    >>> from absmem.gnn import ExperienceGNN, GNNConfig
    >>> model = ExperienceGNN(dim=4, config=GNNConfig(hidden=8))
    >>> s = model.situation(torch.zeros(2, 4), torch.zeros(2, 3, 8), torch.zeros(2, 3))
    >>> tuple(s.shape), tuple(model.reward_logit(s, torch.zeros(2, 4)).shape)
    ((2, 8), (2,))
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any

import torch
from safetensors import SafetensorError
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors
from torch import Tensor, nn
from torch_geometric.nn import HeteroConv, SAGEConv

from .blobs import check_digest, header_metadata, with_digest
from .errors import StoreCorruptError
from .graph import ABSTRACTION, EXPERIENCE, EXPERIENCE_RELATIONS
from .types import EdgeType

__all__ = ["ExperienceGNN", "GNNConfig", "load_model", "relations", "save_model"]


@dataclass(frozen=True)
class GNNConfig:
    """Hyper-parameters of the experience GNN and its training.

    Attributes:
        hidden: embedding width.
        layers: message-passing layers.
        epochs: full-batch epochs of a training from scratch.
        finetune_epochs: epochs when the previous weights are fine-tuned.
        lr: Adam learning rate.
        mask_rate: share of rated experiences whose reward is masked and predicted per epoch.
        link_weight: weight of the held-out-edge loss beside the reward loss.
        holdout: share of edges and of rated experiences kept out for the metrics.
        neighbours: neighbours a situation is encoded from.
        dropout: dropout between layers.
        threads: PyTorch intra-op threads while training (1: reproducible bit for bit).
        seed: seeds initialisation, masks and negative sampling.
    """

    hidden: int = 64
    layers: int = 2
    epochs: int = 60
    finetune_epochs: int = 20
    lr: float = 5e-3
    mask_rate: float = 0.25
    link_weight: float = 0.5
    holdout: float = 0.1
    neighbours: int = 10
    dropout: float = 0.1
    threads: int = 1
    seed: int = 0


def relations() -> list[tuple[str, str, str]]:
    """Every relation of an extracted graph (each with its reverse), in a fixed order."""
    out: list[tuple[str, str, str]] = []
    for kind in EXPERIENCE_RELATIONS:
        out += [(EXPERIENCE, kind, EXPERIENCE), (EXPERIENCE, f"rev_{kind}", EXPERIENCE)]
    for kind, src, dst in (
        (EdgeType.MEMBER_OF.value, EXPERIENCE, ABSTRACTION),
        (EdgeType.INFORMED_BY.value, EXPERIENCE, ABSTRACTION),
        (EdgeType.REFINES.value, ABSTRACTION, ABSTRACTION),
    ):
        out += [(src, kind, dst), (dst, f"rev_{kind}", src)]
    return out


class ExperienceGNN(nn.Module):
    """Heterogeneous GraphSAGE over the experience graph, a situation encoder, a reward head.

    Args:
        dim: width of the text embeddings (context and response vectors).
        config: hyper-parameters.
    """

    def __init__(self, dim: int, config: GNNConfig | None = None) -> None:
        super().__init__()
        self.dim = dim
        self.config = config or GNNConfig()
        h = self.config.hidden
        self.inputs = nn.ModuleDict(
            {EXPERIENCE: nn.Linear(2 * dim + 5, h), ABSTRACTION: nn.Linear(2 * dim + 2, h)}
        )
        self.convs = nn.ModuleList(
            HeteroConv(
                {rel: SAGEConv((h, h), h, aggr="mean", root_weight=False) for rel in relations()},
                aggr="sum",
            )
            for _ in range(self.config.layers)
        )
        self.roots = nn.ModuleList(
            nn.ModuleDict({EXPERIENCE: nn.Linear(h, h), ABSTRACTION: nn.Linear(h, h)})
            for _ in range(self.config.layers)
        )
        self.norms = nn.ModuleList(
            nn.ModuleDict({EXPERIENCE: nn.LayerNorm(h), ABSTRACTION: nn.LayerNorm(h)})
            for _ in range(self.config.layers)
        )
        self.context = nn.Linear(dim, h)
        self.situation_mlp = nn.Sequential(nn.Linear(2 * h, h), nn.ReLU(), nn.Linear(h, h))
        self.response = nn.Linear(dim, h)
        self.reward = nn.Sequential(nn.Linear(2 * h, h), nn.ReLU(), nn.Linear(h, 1))
        self.dropout = nn.Dropout(self.config.dropout)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-initialise every layer (seeded by the caller's torch generator state)."""
        for module in self.modules():
            reset = getattr(module, "reset_parameters", None)
            if module is not self and callable(reset):
                reset()

    def forward(
        self, x_dict: dict[str, Tensor], edge_index_dict: dict[tuple[str, str, str], Tensor]
    ) -> dict[str, Tensor]:
        """Embeddings of every node, by node type."""
        h = {kind: torch.relu(self.inputs[kind](x)) for kind, x in x_dict.items()}
        last = len(self.convs) - 1
        for layer, (conv, roots, norms) in enumerate(
            zip(self.convs, self.roots, self.norms, strict=True)
        ):
            messages = conv(h, edge_index_dict)
            out = {}
            assert isinstance(roots, nn.ModuleDict)
            assert isinstance(norms, nn.ModuleDict)
            for kind, value in h.items():
                total = roots[kind](value)
                if kind in messages:
                    total = total + messages[kind]
                total = norms[kind](total)
                out[kind] = total if layer == last else self.dropout(torch.relu(total))
            h = out
        return h

    def situation(self, contexts: Tensor, neighbours: Tensor, similarity: Tensor) -> Tensor:
        """Encode requests from their context vectors and their neighbours' embeddings.

        Args:
            contexts: ``(q, dim)`` context vectors.
            neighbours: ``(q, k, hidden)`` embeddings of each request's graph neighbours.
            similarity: ``(q, k)`` cosine similarity to each neighbour; ``-inf`` pads a slot.
        """
        if neighbours.shape[1] == 0:
            pooled = torch.zeros(contexts.shape[0], self.config.hidden)
        else:
            weights = torch.softmax(similarity / 0.1, dim=1)
            weights = torch.nan_to_num(weights, nan=0.0)
            pooled = (weights.unsqueeze(-1) * neighbours).sum(dim=1)
        joined = torch.cat([torch.relu(self.context(contexts)), pooled], dim=1)
        out: Tensor = self.situation_mlp(joined)
        return out

    def reward_logit(self, situations: Tensor, responses: Tensor) -> Tensor:
        """Logit of the chance that each response succeeds in its situation."""
        joined = torch.cat([situations, torch.relu(self.response(responses))], dim=1)
        out: Tensor = self.reward(joined).squeeze(-1)
        return out

    def __repr__(self) -> str:
        c = self.config
        return f"ExperienceGNN({self.dim}, {c.hidden}, layers={c.layers}, aggr=mean)"


def save_model(model: ExperienceGNN, metrics: dict[str, Any]) -> tuple[bytes, dict[str, Any]]:
    """The model's weights as safetensors bytes (with their digest), and the metadata that
    rebuilds it."""
    state = {name: tensor.detach().contiguous() for name, tensor in model.state_dict().items()}
    meta = {"dim": model.dim, "config": asdict(model.config), "metrics": metrics}
    header = with_digest(_arrays(state), {"absmem": json.dumps(meta)})
    return save_tensors(state, metadata=header), meta


def load_model(data: bytes) -> tuple[ExperienceGNN, dict[str, Any]]:
    """Rebuild a model from :func:`save_model` bytes; a tampered or truncated blob is refused."""
    try:
        state = load_tensors(data)
        check_digest("gnn", data, _arrays(state))
        meta = json.loads(header_metadata(data)["absmem"])
        model = ExperienceGNN(int(meta["dim"]), GNNConfig(**meta["config"]))
        model.load_state_dict(state, strict=True)
    except (SafetensorError, KeyError, TypeError, ValueError, RuntimeError) as err:
        raise StoreCorruptError(f"gnn: expected safetensors weights of absmem, {err}") from err
    model.eval()
    return model, meta


def _arrays(state: dict[str, Tensor]) -> dict[str, Any]:
    return {name: tensor.detach().cpu().numpy() for name, tensor in state.items()}
