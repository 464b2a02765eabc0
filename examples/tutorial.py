# The seed tutorial, block by block, as one runnable file (each block is a `seed-*` program of the
# conformance corpus, /work/shared/conformance/public.jsonl). Run it: npx gradscope run examples/tutorial.py

# seed-cuda-available: is a GPU there? (Gradscope runs on the CPU, like PyTorch without CUDA)
import torch
print(torch.cuda.is_available())

# seed-matrix-literal: a matrix written as nested lists
[
 [1, 2, 3],
 [4, 5, 6]
]

# seed-tensors: tensors of 0 to 3 dimensions
tensor_0d = torch.tensor(1)
tensor_1d = torch.tensor([1, 2, 3])
tensor_2d = torch.tensor([[1, 2, 3], [4, 5, 6]])
tensor_3d = torch.tensor([[[1, 2, 3], [4, 5, 6]], [[11, 22, 33], [44, 55, 66]]])

print(tensor_0d)
print(tensor_1d)
print(tensor_2d)
print(tensor_3d)

# seed-tensors-dtype: integer data gives int64
print(tensor_3d.dtype)

# seed-float-vec-dtype: float data gives float32
float_vec = torch.tensor([1.1, 2.2])
print(float_vec.dtype)

# seed-to-float32: converting
tensor_1d = torch.tensor([1, 2, 3])
float_vec = tensor_1d.to(torch.float32)
print(float_vec.dtype)

# seed-shape, seed-reshape, seed-view, seed-transpose
tensor_2d = torch.tensor([[1, 2, 3], [4, 5, 6]])
print(tensor_2d.shape)
print(tensor_2d.reshape(3, 2))
print(tensor_2d.view(3, 2))
print(tensor_2d.T)

# seed-matmul, seed-matmul-operator
print(tensor_2d.matmul(tensor_2d.T))
print(tensor_2d @ tensor_2d.T)

# seed-logistic-regression-forward
import torch.nn.functional as F

y = torch.tensor([1.0])  # 目标值(标签)
x1 = torch.tensor([1.1])  # 输入特征
w1 = torch.tensor([2.2])  # 权重
b = torch.tensor([0.0])  # 偏置

# 计算线性组合
# 计算线性输出z,即输入特征 x1 与权重 w1 的乘积再加上偏置 b。
z = x1 * w1 + b
# 应用激活函数
# 使用sigmoid激活函数将线性输出 z 转换为预测值 a,使其范围在 (0, 1) 之间。
a = torch.sigmoid(z)
# 计算损失
# 计算二元交叉熵损失,用于评估模型的预测值 a 与真实标签y之间的差异
loss = F.binary_cross_entropy(a, y)

print(loss)
