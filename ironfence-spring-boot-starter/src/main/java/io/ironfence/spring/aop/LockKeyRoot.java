package io.ironfence.spring.aop;

import java.lang.reflect.Method;

/**
 * The root object of a {@code key} expression: {@code #root.method}, {@code #root.args},
 * {@code #root.target}, {@code #root.targetClass}. Arguments are also variables by name
 * ({@code #accountId}, when compiled with {@code -parameters}) and by index ({@code #p0}, {@code #a0}).
 */
public final class LockKeyRoot {

    private final Method method;
    private final Object[] args;
    private final Object target;
    private final Class<?> targetClass;

    LockKeyRoot(Method method, Object[] args, Object target, Class<?> targetClass) {
        this.method = method;
        this.args = args;
        this.target = target;
        this.targetClass = targetClass;
    }

    /** @return the annotated method */
    public Method getMethod() {
        return method;
    }

    /** @return the arguments of this call */
    public Object[] getArgs() {
        return args;
    }

    /** @return the bean the method was called on */
    public Object getTarget() {
        return target;
    }

    /** @return the bean's class */
    public Class<?> getTargetClass() {
        return targetClass;
    }
}
