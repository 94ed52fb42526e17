from alonechat.core.logging.testing import *
