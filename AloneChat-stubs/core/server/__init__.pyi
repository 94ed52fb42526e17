from alonechat.core.server import *
