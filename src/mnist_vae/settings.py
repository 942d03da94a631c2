"""What settings mean to the code: one way for a config section to become an algorithm's
settings, and the one test of whether the latent space is a plane.

The schema (workflow/schemas/config.schema.yaml) is the home of every default; the
defaults the settings dataclasses declare for use from Python are checked against it by
tests/test_settings.py.
"""

import dataclasses
import typing


def is_planar(latent_dim):
    """Whether z is two-dimensional: then log p(x) is exact by quadrature over the plane,
    and the latent space can be drawn as it is (manifold, scatter, contours)."""
    return latent_dim == 2


class FromConfig:
    """Mixin for frozen dataclasses of settings."""

    @classmethod
    def from_config(cls, section):
        """The settings in a validated config section: the fields this class declares,
        nested settings built the same way; keys for other parts of the rule (figures,
        device) are left out. A missing key is a KeyError: the schema fills them all."""
        hints = typing.get_type_hints(cls)
        values = {}
        for field in dataclasses.fields(cls):
            value, kind = section[field.name], hints[field.name]
            if isinstance(kind, type) and issubclass(kind, FromConfig):
                value = kind.from_config(value)
            elif isinstance(value, list):
                value = tuple(value)  # frozen settings hold tuples
            values[field.name] = value
        return cls(**values)
