// Copy this file into an app that uses the Kotlin client openapi-generator makes from
// openapi/app.json (gson, `enumUnknownDefaultCase=true`), and install it once, before the
// first call:
//
//     Serializer.gsonBuilder.registerTypeAdapterFactory(UnknownEnumFallback)
//
// The service may add enum values (a triage level, a confidence, a result kind) in later
// versions. gson reads a value its enum does not know as null, even into a non-null field,
// and the app crashes later on a NullPointerException; with this factory such a value reads
// as the enum's `unknown_default_open_api` instead, which the app can show as "other".
package tremor.client.infrastructure

import com.google.gson.Gson
import com.google.gson.JsonPrimitive
import com.google.gson.TypeAdapter
import com.google.gson.TypeAdapterFactory
import com.google.gson.reflect.TypeToken
import com.google.gson.stream.JsonReader
import com.google.gson.stream.JsonToken
import com.google.gson.stream.JsonWriter

object UnknownEnumFallback : TypeAdapterFactory {
    const val UNKNOWN = "unknown_default_open_api"

    override fun <T> create(gson: Gson, type: TypeToken<T>): TypeAdapter<T>? {
        val constants = type.rawType.enumConstants ?: return null
        @Suppress("UNCHECKED_CAST")
        val fallback = constants.firstOrNull { (it as Enum<*>).name == UNKNOWN } as T? ?: return null
        val known = gson.getDelegateAdapter(this, type)
        return object : TypeAdapter<T>() {
            override fun write(out: JsonWriter, value: T?) = known.write(out, value)

            override fun read(reader: JsonReader): T? {
                if (reader.peek() == JsonToken.NULL) {
                    reader.nextNull()
                    return null
                }
                return known.fromJsonTree(JsonPrimitive(reader.nextString())) ?: fallback
            }
        }
    }
}
