"""llama-cpp-python's Llama() ignores unknown keyword arguments: the load-time fields it has no
argument for are set by wrapping its defaults for the duration of one load."""

import llama_cpp.llama_cpp as low

from core.llamacpp import _model_params


def test_extra_buffer_types_are_set_during_the_load_and_the_defaults_put_back_after():
    assert low.llama_model_default_params().use_extra_bufts is True  # llama.cpp's own default
    with _model_params(use_extra_bufts=False):
        assert low.llama_model_default_params().use_extra_bufts is False
    assert low.llama_model_default_params().use_extra_bufts is True
