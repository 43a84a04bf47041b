/* placeholder: being written */
#include "cursor.h"
