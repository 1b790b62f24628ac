package tremor.client.models

// openapi-generator's enums call Kotlin 1.5's String.lowercase(); Debian's kotlinc is 1.3.
internal fun String.lowercase(): String = toLowerCase()
