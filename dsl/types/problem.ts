// How shape errors reach the editor: an operation's result type is either a tensor or a sentence
// (a string literal). The offending argument's parameter type is intersected with the sentence, so
// the compiler prints it in the diagnostic (a `never` would erase it).

/**
 * What to intersect with an argument: the sentence when there is a problem, else nothing. NoInfer
 * keeps the compiler from inferring type arguments out of the check itself.
 */
export type Problem<R> = NoInfer<[R] extends [string] ? R : unknown>;

/** The tensor a well-typed call returns; `never` after an error. */
export type Outcome<R> = [R] extends [string] ? never : R;
