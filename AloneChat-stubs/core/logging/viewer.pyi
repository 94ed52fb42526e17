from alonechat.core.logging.viewer import *
