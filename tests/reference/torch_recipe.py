"""PyTorch references for the recipe tooling (issue 16), written as JSON to argv[1]:
OneCycleLR's rates, cross-entropy with label smoothing (value and logit gradient),
and AdamW's updates with weight decay on a kernel but not on a bias."""
import json
import sys

import torch


def one_cycle(total, max_lr, pct_start, div_factor, final_div_factor):
    p = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([p], lr=max_lr, momentum=0.9)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=max_lr, total_steps=total, pct_start=pct_start,
                                                div_factor=div_factor, final_div_factor=final_div_factor,
                                                anneal_strategy="cos", cycle_momentum=False, three_phase=False)
    rates = []
    for _ in range(total):
        rates.append(opt.param_groups[0]["lr"])
        opt.step()
        sched.step()
    return rates


def label_smoothing():
    torch.manual_seed(0)
    logits = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
    target = torch.tensor([2, 0, 4, 1])
    loss = torch.nn.functional.cross_entropy(logits, target, label_smoothing=0.2)
    loss.backward()
    return {"logits": logits.detach().flatten().tolist(), "target": target.tolist(), "loss": loss.item(),
            "grad": logits.grad.flatten().tolist()}


def adamw():
    kernel = torch.nn.Parameter(torch.tensor([[0.5, -1.0, 2.0], [1.5, 0.25, -0.75]], dtype=torch.float64))
    bias = torch.nn.Parameter(torch.tensor([0.3, -0.2, 0.1], dtype=torch.float64))
    opt = torch.optim.AdamW([{"params": [kernel], "weight_decay": 0.1}, {"params": [bias], "weight_decay": 0.0}],
                            lr=0.01, betas=(0.9, 0.999), eps=1e-12)
    trace = []
    for step in range(5):
        kernel.grad = torch.full_like(kernel, 0.1 * (step + 1)) * torch.sign(kernel)
        bias.grad = torch.full_like(bias, -0.05 * (step + 1))
        opt.step()
        trace.append({"kernel": kernel.detach().flatten().tolist(), "bias": bias.detach().tolist()})
    return trace


json.dump({"one_cycle": one_cycle(20, 0.1, 0.3, 25.0, 1e4), "one_cycle_short": one_cycle(7, 0.05, 0.25, 10.0, 100.0),
           "label_smoothing": label_smoothing(), "adamw": adamw()}, open(sys.argv[1], "w"))
