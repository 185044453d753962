"""Quick start: explain a small MLP on scikit-learn's breast-cancer data (no download)."""

import torch
from sklearn.datasets import load_breast_cancer

import harsanyi as hs

X, y = load_breast_cancer(return_X_y=True)
X = torch.tensor((X - X.mean(0)) / X.std(0), dtype=torch.float32)[:, :10]  # 10 players
y = torch.tensor(y)
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(10, 32), torch.nn.ReLU(), torch.nn.Linear(32, 2))
opt = torch.optim.Adam(model.parameters(), lr=1e-2)
for _ in range(200):
    opt.zero_grad()
    torch.nn.functional.cross_entropy(model(X), y).backward()
    opt.step()
model.eval()

game = hs.model_game(model, X[:4], players=hs.games.Columns(range(10)), baselines=X.mean(0),
                     reward="log_odds", target=y[:4])
I = hs.and_or(game, q_bound=0.02)  # the sparse AND-OR split (canonical, docs/selection.md)
print("matching residual:", I.residual.max())  # universal matching, relative (<= 1e-9)
print("L1 / LP optimum:", I.objective[0] / I.metadata["lp_optimum"][0])  # <= 1 + ε = 1.01
for kind, players, value in I.get_top_k(5, sample=0):
    print(f"{kind:>3} {players}: {value:+.3f}")
I.to_frame().to_csv("interactions.csv", index=False)
