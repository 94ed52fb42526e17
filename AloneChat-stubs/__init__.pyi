# Types for the ``AloneChat`` import alias (AloneChat.py): the same names as ``alonechat``.
from alonechat import __version__ as __version__
