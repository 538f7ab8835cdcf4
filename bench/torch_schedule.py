#!/usr/bin/python3
"""PyTorch peer of `npm run bench -- --schedule`: the notebook's whole training schedule in one
process on the same synthetic data folder, timed like bench/schedule_ours.mjs (seconds per phase,
split into training steps, validation and the rest; training images/s).

The model and phases are torch_bench.py's (the same layers; phase 1: VGG16 frozen, RMSprop 1e-4;
phase 2: block5 trainable too, RMSprop 1e-5, loss weights color 0.1 / type 1). Data as branchnet
does it: every image decoded once and kept (uint8), 20% held out for validation (seeded), training
batches shuffled each epoch and augmented per image with torchvision's RandomAffine + horizontal
flip at the notebook's ranges (rotation 10 degrees, shifts 0.2, shear 0.1 rad, zoom 0.8-1.2: the
same work, not the same draws), pixels / 255; validation not augmented, in a fixed order that wraps,
under no_grad. Nothing is cached between epochs.

Usage: torch_schedule.py --data DIR --epochs 10,5 --steps 100 --val-steps 20 --batch 20 --threads 2
"""
import argparse, json, math, os, random, time
import numpy as np
import torch, torch.nn as nn
import torchvision.transforms as T
from PIL import Image
from torch_bench import TwoHead, set_phase, peak_rss_mb


def load(folder, H, W):
    combos = sorted(d for d in os.listdir(folder) if os.path.isdir(os.path.join(folder, d)) and '_' in d)
    colors = sorted({c.split('_')[0] for c in combos}); types = sorted({c.split('_')[1] for c in combos})
    xs, yc, yt = [], [], []
    for c in combos:
        for f in sorted(os.listdir(os.path.join(folder, c))):
            im = Image.open(os.path.join(folder, c, f)).convert('RGB')
            if im.size != (W, H): im = im.resize((W, H), Image.NEAREST)
            xs.append(torch.from_numpy(np.asarray(im).copy()).permute(2, 0, 1))
            yc.append(colors.index(c.split('_')[0])); yt.append(types.index(c.split('_')[1]))
    return torch.stack(xs), torch.tensor(yc), torch.tensor(yt)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--data', required=True)
    ap.add_argument('--epochs', default='10,5')
    ap.add_argument('--steps', type=int, default=100)
    ap.add_argument('--val-steps', type=int, default=20)
    ap.add_argument('--batch', type=int, default=20)
    ap.add_argument('--threads', type=int, default=2)
    ap.add_argument('--height', type=int, default=160)
    ap.add_argument('--width', type=int, default=128)
    a = ap.parse_args()
    t_start = time.perf_counter()
    H, W, B = a.height, a.width, a.batch
    torch.set_num_threads(a.threads)
    torch.manual_seed(42); rng = random.Random(100)
    X, YC, YT = load(a.data, H, W)
    idx = list(range(len(X))); rng.shuffle(idx)
    n_val = int(round(0.2 * len(idx)))
    val_idx, train_idx = idx[:n_val], idx[n_val:]
    model = TwoHead(H, W)
    ce = nn.CrossEntropyLoss()
    aug = T.Compose([T.RandomAffine(degrees=10, translate=(0.2, 0.2), scale=(0.8, 1.2), shear=math.degrees(0.1)), T.RandomHorizontalFlip()])
    order, cursor, vcur = [], 0, 0
    setup_s = time.perf_counter() - t_start
    phases = []
    for p, epochs in enumerate(int(e) for e in a.epochs.split(',')):
        phase = p + 1
        t_phase = time.perf_counter()
        params = set_phase(model, phase)
        lr, wc = (1e-4, 1.0) if phase == 1 else (1e-5, 0.1)
        opt = torch.optim.RMSprop(params, lr=lr, alpha=0.9, eps=1e-7)
        train_s = val_s = 0.0
        final = {}
        for _ in range(epochs):
            model.train()
            for _ in range(a.steps):
                if cursor >= len(order): order, cursor = rng.sample(train_idx, len(train_idx)), 0
                b = order[cursor:cursor + B]; cursor += len(b)
                x = torch.stack([aug(X[i]) for i in b]).float().div_(255)
                t0 = time.perf_counter()
                opt.zero_grad(set_to_none=True)
                c, t = model(x)
                loss = wc * ce(c, YC[b]) + ce(t, YT[b])
                loss.backward()
                opt.step()
                train_s += time.perf_counter() - t0
            t0 = time.perf_counter()
            model.eval()
            hits_c = hits_t = n = 0
            with torch.no_grad():
                for _ in range(a.val_steps):
                    b = [val_idx[(vcur + k) % len(val_idx)] for k in range(B)]; vcur = (vcur + B) % len(val_idx)
                    c, t = model(X[b].float().div_(255))
                    hits_c += (c.argmax(1) == YC[b]).sum().item(); hits_t += (t.argmax(1) == YT[b]).sum().item(); n += len(b)
            final = {'val_color_acc': hits_c / max(n, 1), 'val_type_acc': hits_t / max(n, 1)}
            val_s += time.perf_counter() - t0
        seconds = time.perf_counter() - t_phase
        phases.append(dict(name=f'phase{phase}', epochs=epochs, steps=a.steps, val_steps=a.val_steps, seconds=seconds, train_s=train_s,
                           train_img_s=epochs * a.steps * B / train_s if train_s else 0, val_s=val_s, other_s=seconds - train_s - val_s, final=final))
    r = dict(available=True, fw='pytorch', version=torch.__version__, threads=torch.get_num_threads(), batch=B,
             data=dict(train=len(train_idx), val=len(val_idx)), setup_s=setup_s, total_s=time.perf_counter() - t_start,
             phases=phases, rss_mb=peak_rss_mb())
    print('BENCH_RESULT ' + json.dumps(r), flush=True)


if __name__ == '__main__':
    main()
