"""torch.utils.data: datasets, samplers and the (single-process) DataLoader."""
from .dataset import Dataset, IterableDataset, TensorDataset, ConcatDataset, ChainDataset, Subset, random_split
from .sampler import Sampler, SequentialSampler, RandomSampler, SubsetRandomSampler, WeightedRandomSampler, BatchSampler
from .dataloader import DataLoader, get_worker_info, default_collate, default_convert

__all__ = ['Dataset', 'IterableDataset', 'TensorDataset', 'ConcatDataset', 'ChainDataset', 'Subset', 'random_split',
           'Sampler', 'SequentialSampler', 'RandomSampler', 'SubsetRandomSampler', 'WeightedRandomSampler',
           'BatchSampler', 'DataLoader', 'get_worker_info', 'default_collate', 'default_convert']
