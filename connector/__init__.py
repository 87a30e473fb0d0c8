"""AppFlow custom connector for MySQL, Aurora MySQL and MariaDB: the library.

Knows AppFlow's request and response models, nothing about Lambda.
"""

__version__ = "0.2.0"
