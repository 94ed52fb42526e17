from alonechat.core.logging import *
