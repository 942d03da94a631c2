"""Splitting per-image work into shards, as Snakemake's scatter/gather names them."""


def shard_number(scatteritem):
    """Snakemake's scatter item 'i-of-n' -> (i, n)"""
    shard, n_shards = scatteritem.split("-of-")
    return int(shard), int(n_shards)


def shard_images(n_images, shard, n_shards, block_size):
    """The images of shard `shard` (1-based) of n_shards: a run of whole blocks of
    block_size images, as even as the blocks allow (empty when there are fewer blocks
    than shards). -> range"""
    n_blocks = -(-n_images // block_size)
    first, last = ((shard - 1) * n_blocks) // n_shards, (shard * n_blocks) // n_shards
    return range(first * block_size, min(last * block_size, n_images))
