// glibc's allocator tuning, mallopt(3), which the Glibc module does not export.
#include <malloc.h>
