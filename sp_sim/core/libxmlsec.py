"""python-xmlsec (libxmlsec1), typed as Any.

Its bundled stubs lack attributes the module has (Transform.SHA1, KeyFormat,
EncryptionType, KeyData.AES, …), so every use would need an ignore. Import it from here.
"""

from __future__ import annotations

import importlib
from typing import Any

xmlsec: Any = importlib.import_module("xmlsec")
