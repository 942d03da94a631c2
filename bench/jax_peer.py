"""The benchmark's JAX peer: the same VAE (784-500(tanh)-Dz, Bernoulli decoder), the same
single-sample ELBO, Adam's defaults and minibatches of 100, trained the way a JAX user
would write it: jit, one `lax.scan` over an epoch's minibatches, optax's Adam.

Optional: `pip install -e .[bench]` brings JAX; without it, `available()` is False and
the benchmark's row says so.
"""

import importlib.util
import time


def available():
    return all(importlib.util.find_spec(name) for name in ("jax", "optax"))


def train_seconds(x_train, epochs, hidden=500, latent=2, batch_size=100, seed=0, log=print):
    """Train for `epochs` epochs on x_train (a (N, 784) numpy array of 0/1) on JAX's CPU
    backend, the mean ELBO printed every 10 epochs. -> seconds, compilation included"""
    import jax
    import jax.numpy as jnp
    import optax

    jax.config.update("jax_platforms", "cpu")
    start = time.perf_counter()
    keys = jax.random.split(jax.random.key(seed), 5)

    def dense(key, n_in, n_out):
        bound = 1 / n_in**0.5
        w_key, b_key = jax.random.split(key)
        return (
            jax.random.uniform(w_key, (n_in, n_out), minval=-bound, maxval=bound),
            jax.random.uniform(b_key, (n_out,), minval=-bound, maxval=bound),
        )

    params = [
        dense(keys[0], 784, hidden),
        dense(keys[1], hidden, 2 * latent),
        dense(keys[2], latent, hidden),
        dense(keys[3], hidden, 784),
    ]

    def elbo(params, x, eps):
        (w1, b1), (w2, b2), (w3, b3), (w4, b4) = params
        mu, log_sigma = jnp.split(jnp.tanh(x @ w1 + b1) @ w2 + b2, 2, axis=-1)
        z = mu + jnp.exp(log_sigma) * eps
        logits = jnp.tanh(z @ w3 + b3) @ w4 + b4
        log_lik = jnp.sum(x * logits - jax.nn.softplus(logits), -1)
        log_p_minus_log_q = jnp.sum(0.5 * (eps**2 - z**2) + log_sigma, -1)
        return jnp.mean(log_lik + log_p_minus_log_q)

    optimizer = optax.adam(1e-3)
    x_all = jnp.asarray(x_train, dtype=jnp.float32)
    n_batches = len(x_train) // batch_size

    @jax.jit
    def epoch(params, state, key):
        order_key, noise_key = jax.random.split(key)
        order = jax.random.permutation(order_key, len(x_all))[: n_batches * batch_size]
        batches = x_all[order].reshape(n_batches, batch_size, 784)
        noise = jax.random.normal(noise_key, (n_batches, batch_size, latent))

        def step(carry, inputs):
            params, state = carry
            value, grads = jax.value_and_grad(lambda p: -elbo(p, *inputs))(params)
            updates, state = optimizer.update(grads, state)
            return (optax.apply_updates(params, updates), state), -value

        (params, state), values = jax.lax.scan(step, (params, state), (batches, noise))
        return params, state, values.mean()

    state = optimizer.init(params)
    key = keys[4]
    for e in range(1, epochs + 1):
        key, epoch_key = jax.random.split(key)
        params, state, value = epoch(params, state, epoch_key)
        if e % 10 == 0 or e == epochs:
            log(f"JAX epoch {e}: train ELBO {float(value):.2f}")
    jax.block_until_ready(params)
    return time.perf_counter() - start


def main():
    import argparse

    import numpy as np

    parser = argparse.ArgumentParser(description="Train the JAX peer; print its seconds.")
    parser.add_argument("images", help="a .npy file of (N, 784) 0/1 training images")
    parser.add_argument("--epochs", type=int, default=100)
    args = parser.parse_args()
    print(train_seconds(np.load(args.images), args.epochs))


if __name__ == "__main__":
    main()
