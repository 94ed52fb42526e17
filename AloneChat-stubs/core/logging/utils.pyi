from alonechat.core.logging.utils import *
