"""The `assistant` command: the top layer, beside ui/ and eval/, dispatching to them."""
