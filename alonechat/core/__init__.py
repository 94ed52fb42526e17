"""AloneChat core components: ``alonechat.core.logging`` (and the server)."""
